namespace Sparkify.Warehouse.Loading;

/// <summary>
/// How the warehouse reaches S3 when a source is an <c>s3://bucket/prefix</c> URI: Amazon S3 itself
/// (the default) or any S3-compatible store (MinIO, s3rver, LocalStack, ...).
/// </summary>
/// <remarks>
/// Credentials are never part of these settings. When access is not anonymous, the AWS SDK's default
/// credential chain supplies them: the <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>
/// (and <c>AWS_SESSION_TOKEN</c>) environment variables, the shared <c>~/.aws</c> profile named by
/// <c>AWS_PROFILE</c>, web identity, or the container/instance role.
/// </remarks>
public sealed class S3Settings
{
    /// <summary>The bucket that holds the public Sparkify data, readable without credentials.</summary>
    public const string PublicSparkifyBucket = "udacity-dend";

    /// <summary>The region used when <see cref="Region"/> is not set: where <see cref="PublicSparkifyBucket"/> lives.</summary>
    public const string DefaultRegion = "us-west-2";

    /// <summary>
    /// The endpoint of an S3-compatible store, e.g. <c>http://127.0.0.1:4568</c>; null for Amazon S3.
    /// When set, requests use path-style addressing (<c>http://host/bucket/key</c>), which such stores
    /// expect, and <see cref="Region"/> is only used to sign requests.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The AWS region of the bucket, e.g. <c>us-west-2</c>; null means <see cref="DefaultRegion"/>.
    /// The region is not looked up from the environment or instance metadata, so a load reads the
    /// same place wherever it runs.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>
    /// Whether to send unsigned (anonymous) requests. <c>true</c>: always anonymous, for public buckets
    /// and local S3-compatible stores that accept unsigned requests. <c>false</c>: always the default
    /// AWS credential chain. <c>null</c> (the default): anonymous for the public
    /// <see cref="PublicSparkifyBucket"/> bucket, the default credential chain for every other bucket.
    /// </summary>
    public bool? Anonymous { get; set; }
}
