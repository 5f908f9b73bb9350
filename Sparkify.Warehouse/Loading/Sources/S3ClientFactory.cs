using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>Creates S3 clients from <see cref="S3Settings"/>.</summary>
internal static partial class S3ClientFactory
{
    /// <summary>Retries of a failed request (throttling, 5xx, dropped connections) before giving up.</summary>
    public const int MaxErrorRetry = 4;

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Whether requests for <paramref name="bucket"/> go out unsigned under <paramref name="settings"/>.</summary>
    public static bool IsAnonymous(S3Settings settings, string bucket)
        => settings.Anonymous ?? string.Equals(bucket, S3Settings.PublicSparkifyBucket, StringComparison.Ordinal);

    /// <summary>Creates a client; the caller owns and disposes it.</summary>
    /// <exception cref="WarehouseException">A setting is invalid.</exception>
    public static AmazonS3Client Create(S3Settings settings, bool anonymous)
    {
        var config = CreateConfig(settings);
        return anonymous ? new AmazonS3Client(new AnonymousAWSCredentials(), config) : new AmazonS3Client(config);
    }

    /// <summary>The client configuration for <paramref name="settings"/>, validated.</summary>
    /// <exception cref="WarehouseException">A setting is invalid.</exception>
    public static AmazonS3Config CreateConfig(S3Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var region = settings.Region ?? S3Settings.DefaultRegion;
        if (!RegionPattern().IsMatch(region))
        {
            throw new WarehouseException($"S3 setting Region {InputDisplay.Quote(region)} is not an AWS region name such as us-west-2.");
        }

        var config = new AmazonS3Config
        {
            MaxErrorRetry = MaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
            Timeout = RequestTimeout,

            // AWSSDK 4 adds CRC checksums to every request and validates them on every response by
            // default; S3-compatible stores such as s3rver reject or omit them. Amazon S3 itself is
            // unaffected: the checksums are still sent where an operation requires them.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };

        if (settings.ServiceUrl is { } serviceUrl)
        {
            if (!TryParseServiceUrl(serviceUrl, out var uri))
            {
                // The value is not echoed: a mistyped URL could carry user:password@.
                throw new WarehouseException("S3 setting ServiceUrl is not the root URL of an http:// or https:// endpoint without user information, path or query (e.g. http://127.0.0.1:4568).");
            }

            config.ServiceURL = uri.GetLeftPart(UriPartial.Path);
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return config;
    }

    /// <summary>
    /// An S3-compatible endpoint is the root URL of an http(s) server: a path, query or fragment would be
    /// glued onto every request's path-style URL, and user information is a credential in the wrong place.
    /// </summary>
    internal static bool TryParseServiceUrl(string serviceUrl, [NotNullWhen(true)] out Uri? uri)
        => Uri.TryCreate(serviceUrl, UriKind.Absolute, out uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.UserInfo)
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
            && !serviceUrl.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));

    /// <summary>The endpoint a client talks to, for messages (never contains credentials).</summary>
    public static string DescribeEndpoint(S3Settings settings)
        => settings.ServiceUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.GetLeftPart(UriPartial.Authority)
            : "Amazon S3 (" + (settings.Region ?? S3Settings.DefaultRegion) + ")";

    /// <summary>AWS region names: <c>us-west-2</c>, <c>eu-central-1</c>, <c>us-gov-west-1</c>, <c>cn-north-1</c>.</summary>
    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-[0-9]\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    internal static partial Regex RegionPattern();
}
