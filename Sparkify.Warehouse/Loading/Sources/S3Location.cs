using System.Net;
using System.Text;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>
/// A parsed and validated <c>s3://bucket/key-or-prefix</c> URI. Validation is deliberately stricter
/// than S3 itself: the same URIs end up inside single-quoted literals of Redshift <c>COPY</c>
/// statements, which take no bind parameters, so characters that could end or bend a literal are
/// refused up front rather than escaped and hoped for.
/// </summary>
internal sealed class S3Location
{
    /// <summary>The URI scheme, including the slashes.</summary>
    public const string Scheme = "s3://";

    /// <summary>S3's own limit on an object key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private S3Location(string bucket, string key)
    {
        Bucket = bucket;
        Key = key;
    }

    /// <summary>The bucket name.</summary>
    public string Bucket { get; }

    /// <summary>The key or key prefix after the bucket; empty for the whole bucket.</summary>
    public string Key { get; }

    /// <summary>The canonical URI (lowercase scheme).</summary>
    public string Uri => Scheme + Bucket + "/" + Key;

    /// <summary>Whether <paramref name="value"/> is meant as an S3 URI (it may still be invalid).</summary>
    public static bool IsS3Uri(string value) => value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses and validates an S3 URI.</summary>
    /// <param name="value">The URI as the user gave it.</param>
    /// <param name="setting">What the value is, for the message (e.g. "Source", "JSONPaths").</param>
    /// <exception cref="WarehouseException">The value is not a valid S3 URI; the message says why.</exception>
    public static S3Location Parse(string? value, string setting = "S3 URI")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new WarehouseException($"{setting} is empty: give an s3://bucket/prefix URI.");
        }

        // Checked before anything echoes the value, so a huge input never reaches a message whole.
        if (value.Length > Scheme.Length + 63 + 1 + MaxKeyBytes)
        {
            throw new WarehouseException($"{setting} is not a valid S3 URI: it is {value.Length} characters long; bucket and key allow at most {63 + 1 + MaxKeyBytes}.");
        }

        if (!IsS3Uri(value))
        {
            throw Invalid(setting, value, "it must start with s3:// (only S3 URIs are supported here)");
        }

        var rest = value[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var key = slash < 0 ? "" : rest[(slash + 1)..];

        if (ValidateBucket(bucket) is { } bucketProblem)
        {
            throw Invalid(setting, value, bucketProblem);
        }

        if (ValidateKey(key) is { } keyProblem)
        {
            throw Invalid(setting, value, keyProblem);
        }

        return new S3Location(bucket, key);
    }

    /// <summary>The location of an object listed under this prefix.</summary>
    public S3Location WithKey(string key) => new(Bucket, key);

    /// <inheritdoc />
    public override string ToString() => Uri;

    /// <summary>Why <paramref name="bucket"/> breaks the S3 general-purpose bucket naming rules, or null.</summary>
    internal static string? ValidateBucket(string bucket)
    {
        if (bucket.Length == 0)
        {
            return "the bucket name is missing";
        }

        if (bucket.Length is < 3 or > 63)
        {
            return $"the bucket name must be 3 to 63 characters long (it has {bucket.Length})";
        }

        foreach (var c in bucket)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-'))
            {
                return "the bucket name may contain only lowercase letters, digits, dots and hyphens";
            }
        }

        if (!char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
        {
            return "the bucket name must begin and end with a letter or digit";
        }

        if (bucket.Contains("..", StringComparison.Ordinal))
        {
            return "the bucket name must not contain two adjacent dots";
        }

        if (IPAddress.TryParse(bucket, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return "the bucket name must not be an IP address";
        }

        if (bucket.StartsWith("xn--", StringComparison.Ordinal) || bucket.StartsWith("sthree-", StringComparison.Ordinal)
            || bucket.EndsWith("-s3alias", StringComparison.Ordinal) || bucket.EndsWith("--ol-s3", StringComparison.Ordinal))
        {
            return "the bucket name uses a prefix or suffix that S3 reserves";
        }

        return null;
    }

    /// <summary>Why <paramref name="key"/> is not an acceptable key or prefix, or null.</summary>
    internal static string? ValidateKey(string key)
    {
        foreach (var c in key)
        {
            // Quote, backslash and semicolon are legal in S3 keys but are exactly the characters that
            // could close or escape a SQL literal; no Sparkify path needs them.
            switch (c)
            {
                case '\'':
                    return "the key contains a single quote (')";
                case '\\':
                    return "the key contains a backslash (\\)";
                case ';':
                    return "the key contains a semicolon (;)";
                default:
                    if (char.IsControl(c))
                    {
                        return "the key contains a control character (such as a newline or tab)";
                    }

                    break;
            }
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            return "the key is not valid Unicode text";
        }

        return bytes > MaxKeyBytes ? $"the key is {bytes} bytes long in UTF-8; S3 allows at most {MaxKeyBytes}" : null;
    }

    private static WarehouseException Invalid(string setting, string value, string problem)
        => new($"{setting} {InputDisplay.Quote(value)} is not a valid S3 URI: {problem}.");
}
