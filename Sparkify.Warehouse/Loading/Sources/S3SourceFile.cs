using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Sparkify.Warehouse.Loading.Sources;

/// <summary>An object in S3 (or an S3-compatible store), found by listing a prefix.</summary>
internal sealed class S3SourceFile(IAmazonS3 client, S3Location location, long? length, string endpoint) : SourceFile
{
    public override string Name => location.Uri;

    public override long? Length => length;

    /// <summary>The object's ETag from the listing, when it came from one.</summary>
    public string? ETag { get; init; }

    public override string? Version => ETag;

    public S3Location Location => location;

    protected override async Task<Stream> OpenRawAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = location.Bucket, Key = location.Key }, cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (Exception ex) when (S3Errors.Translate(ex, location, endpoint, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }
}

/// <summary>Turns AWS SDK failures into messages a user can act on (bucket and key named, no credentials).</summary>
internal static class S3Errors
{
    /// <summary>
    /// The user-facing exception for <paramref name="exception"/> raised while accessing
    /// <paramref name="location"/>, or null when it must propagate as is (cancellation by the caller,
    /// bugs).
    /// </summary>
    public static WarehouseException? Translate(Exception exception, S3Location location, string endpoint, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        return exception switch
        {
            // Only AWS's error code is quoted, never its message: codes are a fixed vocabulary.
            AmazonS3Exception { ErrorCode: "NoSuchBucket" } e
                => new WarehouseException($"S3 bucket '{location.Bucket}' does not exist at {endpoint} (reading {location.Uri}).", e),
            AmazonS3Exception { ErrorCode: "NoSuchKey" } e
                => new WarehouseException($"S3 object {location.Uri} does not exist at {endpoint}.", e),
            AmazonS3Exception { ErrorCode: "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" } e
                => new WarehouseException($"S3 bucket '{location.Bucket}' is in another region than the one configured ({endpoint}): set the S3 Region setting to the bucket's region.", e),
            AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired" } e
                => new WarehouseException($"S3 rejected the AWS credentials ({e.ErrorCode}) for {location.Uri}: check the credentials of the default AWS credential chain (environment, profile or role).", e),
            AmazonS3Exception { StatusCode: HttpStatusCode.Forbidden } e
                => new WarehouseException($"Access to {location.Uri} was denied ({e.ErrorCode ?? "403 Forbidden"}): the credentials lack s3:ListBucket/s3:GetObject on it, or, for a public bucket, set the S3 Anonymous setting to true.", e),
            AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } e
                => new WarehouseException($"{location.Uri} was not found at {endpoint} ({e.ErrorCode ?? "404 Not Found"}).", e),
            AmazonS3Exception e
                => new WarehouseException($"S3 failed on {location.Uri} ({e.ErrorCode ?? ((int)e.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}) after retries.", e),
            AmazonServiceException { InnerException: HttpRequestException or SocketException or IOException } e
                => Unreachable(location, endpoint, e),
            HttpRequestException or SocketException or IOException
                => Unreachable(location, endpoint, exception),
            OperationCanceledException or TimeoutException
                => new WarehouseException($"S3 did not answer in time for {location.Uri} at {endpoint}.", exception),
            AmazonClientException e when e.Message.Contains("credential", StringComparison.OrdinalIgnoreCase)
                => new WarehouseException($"No AWS credentials were found to read {location.Uri}: configure the default AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a role), or set the S3 Anonymous setting to true for a public bucket.", e),
            AmazonServiceException { InnerException: OperationCanceledException } e
                => new WarehouseException($"S3 did not answer in time for {location.Uri} at {endpoint}.", e),
            AmazonClientException e
                => new WarehouseException($"Could not read {location.Uri} from {endpoint}: the AWS SDK failed before S3 answered ({e.GetType().Name}).", e),
            _ => null,
        };
    }

    private static WarehouseException Unreachable(S3Location location, string endpoint, Exception exception)
        => new($"Could not reach S3 at {endpoint} to read {location.Uri} (after retries): {exception.GetBaseException().Message}", exception);
}
