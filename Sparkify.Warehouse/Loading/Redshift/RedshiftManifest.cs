using System.Net;
using System.Text.Json;
using Amazon.S3;
using PutObjectRequest = Amazon.S3.Model.PutObjectRequest;
using Sparkify.Warehouse.Loading.Sources;

namespace Sparkify.Warehouse.Loading.Redshift;

/// <summary>
/// The manifest a Redshift <c>COPY ... MANIFEST</c> reads: exactly the files a load chose, each
/// <c>mandatory</c> (a file that has gone missing fails the COPY instead of being skipped silently)
/// with its size. Written to the user's manifest prefix under a name that carries the run id.
/// </summary>
internal static class RedshiftManifest
{
    /// <summary>Why <paramref name="value"/> is not a usable manifest prefix (<c>s3://bucket[/prefix]</c>), or null when it is.</summary>
    /// <param name="value">The setting's value.</param>
    /// <param name="setting">The setting's name, for the message.</param>
    public static string? PrefixProblem(string value, string setting)
    {
        try
        {
            _ = S3Location.Parse(value, setting);
            return null;
        }
        catch (WarehouseException e)
        {
            return e.Message + " It must be s3://bucket or s3://bucket/prefix.";
        }
    }

    /// <summary>
    /// The key of the manifest for one run's staging table: under <paramref name="prefix"/> (as a folder),
    /// named so that it is not a <c>*.json</c> file (a prefix load never mistakes it for data).
    /// </summary>
    public static S3Location LocationFor(S3Location prefix, Guid runId, string table)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var folder = prefix.Key.Length == 0 || prefix.Key.EndsWith('/') ? prefix.Key : prefix.Key + "/";
        return prefix.WithKey($"{folder}sparkify-{runId:D}-{table}.manifest");
    }

    /// <summary>The manifest's JSON (UTF-8) for <paramref name="files"/>, in the order given.</summary>
    /// <exception cref="ArgumentException">No files, a file that is not in S3, or one whose size is unknown.</exception>
    public static byte[] Write(IReadOnlyCollection<SourceFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return Write([.. files.Select(file => file is S3SourceFile { Length: { } length } s3
            ? (s3.Location.Uri, length)
            : throw new ArgumentException($"{file.Name}: a manifest lists S3 objects of known size only.", nameof(files)))]);
    }

    /// <summary>The manifest's JSON (UTF-8) for the objects <paramref name="entries"/> name (<c>s3://</c> URI and size), in the order given.</summary>
    /// <exception cref="ArgumentException">No entries.</exception>
    public static byte[] Write(IReadOnlyCollection<(string Url, long ContentLength)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);

        // COPY fails on a manifest without entries; a load with nothing to read must not run a COPY.
        if (entries.Count == 0)
        {
            throw new ArgumentException("A manifest needs at least one file.", nameof(entries));
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("entries");
            foreach (var (url, length) in entries)
            {
                json.WriteStartObject();
                json.WriteString("url", url);
                json.WriteBoolean("mandatory", true);
                json.WriteStartObject("meta");
                json.WriteNumber("content_length", length);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Uploads <paramref name="manifest"/> to <paramref name="location"/> and returns its URI, for <c>COPY ... FROM '&lt;uri&gt;' MANIFEST</c>.</summary>
    /// <exception cref="WarehouseException">S3 refused or could not be reached; the message names the URI, never credentials.</exception>
    public static async Task<string> UploadAsync(SourceResolver resolver, S3Settings settings, S3Location location, byte[] manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(location);
        var request = new PutObjectRequest
        {
            BucketName = location.Bucket,
            Key = location.Key,
            InputStream = new MemoryStream(manifest, writable: false),
            ContentType = "application/json",
        };
        try
        {
            await resolver.ClientFor(location.Bucket).PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return location.Uri;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new WarehouseException($"Could not write the manifest {location.Uri}: access denied ({e.ErrorCode ?? "403 Forbidden"}); the loader's AWS credentials need s3:PutObject on the manifest prefix.", e);
        }
        catch (Exception e) when (S3Errors.Translate(e, location, S3ClientFactory.DescribeEndpoint(settings), cancellationToken) is { } translated)
        {
            throw new WarehouseException($"Could not write the manifest: {translated.Message}", e);
        }
    }
}
