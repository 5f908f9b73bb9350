using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;

namespace Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

/// <summary>What a COPY read: the rows to stage (COPY text values, null for NULL) and the rejects.</summary>
internal sealed record CopyRead(List<string?[]> Rows, List<LoadReject> Rejects);

/// <summary>
/// Reads what <c>COPY … FROM 's3://…'</c> names from the test's S3 server, the way Redshift does: a
/// key prefix loads every object whose key starts with it (zero-byte "folder" objects aside); a
/// MANIFEST names exactly the files to read. Each file may hold several JSON objects, and an object
/// may span lines; a record that is not an object or not JSON is rejected with the number of the
/// line where it ends.
/// </summary>
internal sealed class S3JsonCopy(IAmazonS3 s3)
{
    public async Task<CopyRead> ReadAsync(S3CopyCommand command, IReadOnlyList<TargetColumn> columns, CancellationToken cancellationToken)
    {
        var paths = command.JsonPaths is { } pathsUri ? JsonLoadRules.ParseJsonPaths(await GetAsync(pathsUri, cancellationToken)) : null;
        if (paths is not null && paths.Count != columns.Count)
        {
            throw new CopyFailedException($"Number of jsonpaths and the number of columns should match. JSONPath size: {paths.Count}, Number of columns in table or column list: {columns.Count}");
        }

        var read = new CopyRead([], []);
        foreach (var file in await FilesAsync(command, cancellationToken))
        {
            var content = await GetAsync(file, cancellationToken);
            if (command.Gzip)
            {
                content = Gunzip(content, file);
            }

            foreach (var record in Records(content))
            {
                if (record.Error is { } syntax)
                {
                    read.Rejects.Add(new LoadReject(file, record.LastLine, "", "", null, record.Text, record.Text, 1224, syntax));
                    continue;
                }

                using (record.Document)
                {
                    if (record.Document!.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        read.Rejects.Add(new LoadReject(file, record.LastLine, "", "", null, record.Text, record.Text, 1224, "Invalid JSON object: the record is not an object"));
                        continue;
                    }

                    var (row, reject) = JsonLoadRules.Convert(record.Document.RootElement, columns, paths, command);
                    if (reject is { } r)
                    {
                        read.Rejects.Add(new LoadReject(file, record.LastLine, r.Column.Name, r.Column.DataType, r.Column.MaxLength, record.Text, r.Raw, r.Code, r.Reason));
                    }
                    else
                    {
                        read.Rows.Add(row!);
                    }
                }
            }
        }

        return read;
    }

    private async Task<List<string>> FilesAsync(S3CopyCommand command, CancellationToken cancellationToken)
    {
        if (command.Manifest)
        {
            var files = new List<string>();
            using var manifest = JsonDocument.Parse(await GetAsync(command.From, cancellationToken));
            foreach (var entry in manifest.RootElement.GetProperty("entries").EnumerateArray())
            {
                var url = entry.GetProperty("url").GetString()!;
                var mandatory = entry.TryGetProperty("mandatory", out var m) && m.ValueKind == JsonValueKind.True;
                if (mandatory || await ExistsAsync(url, cancellationToken))
                {
                    files.Add(url);
                }
            }

            return files;
        }

        var (bucket, prefix) = Split(command.From);
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request, cancellationToken);
            keys.AddRange((page.S3Objects ?? []).Where(o => o.Size > 0).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return keys.Count > 0
            ? [.. keys.Order(StringComparer.Ordinal).Select(k => $"s3://{bucket}/{k}")]
            : throw new CopyFailedException($"The specified S3 prefix '{prefix}' does not exist");
    }

    private async Task<byte[]> GetAsync(string uri, CancellationToken cancellationToken)
    {
        var (bucket, key) = Split(uri);
        try
        {
            using var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
            using var content = new MemoryStream();
            await response.ResponseStream.CopyToAsync(content, cancellationToken);
            return content.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new CopyFailedException($"S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey,Key {key}");
        }
    }

    private async Task<bool> ExistsAsync(string uri, CancellationToken cancellationToken)
    {
        var (bucket, key) = Split(uri);
        try
        {
            await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static (string Bucket, string Key) Split(string uri)
    {
        var path = uri["s3://".Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (path, "") : (path[..slash], path[(slash + 1)..]);
    }

    private static byte[] Gunzip(byte[] content, string file)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(content), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            return plain.ToArray();
        }
        catch (InvalidDataException)
        {
            throw new CopyFailedException($"gzip: invalid compressed data--format violated. File: {file}");
        }
    }

    private sealed record JsonRecord(JsonDocument? Document, string? Error, long LastLine, string Text);

    /// <summary>The top-level JSON values of a file; after a syntax error, reading resumes on the next line.</summary>
    private static IEnumerable<JsonRecord> Records(byte[] content)
    {
        var position = 0;
        var line = 1L;
        while (true)
        {
            while (position < content.Length && content[position] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                line += content[position] == '\n' ? 1 : 0;
                position++;
            }

            if (position >= content.Length)
            {
                yield break;
            }

            JsonDocument? document = null;
            string? error = null;
            int end;
            try
            {
                var reader = new Utf8JsonReader(content.AsSpan(position), new JsonReaderOptions { AllowMultipleValues = true });
                document = JsonDocument.ParseValue(ref reader);
                end = position + (int)reader.BytesConsumed;
            }
            catch (JsonException e)
            {
                error = "Invalid JSON: " + e.Message;
                end = Array.IndexOf(content, (byte)'\n', position);
                end = end < 0 ? content.Length : end;
            }

            var (newlines, lastLine, text) = Describe(content, position, end, line);
            yield return new JsonRecord(document, error, lastLine, text);
            line += newlines;
            position = end;
        }
    }

    /// <summary>A record's newlines, the line it ends on, and its text as error views keep it (1,024 bytes).</summary>
    private static (int Newlines, long LastLine, string Text) Describe(byte[] content, int start, int end, long firstLine)
    {
        var span = content.AsSpan(start, end - start);
        var newlines = span.Count((byte)'\n');
        var text = Encoding.UTF8.GetString(span).TrimEnd('\r', '\n');
        return (newlines, firstLine + newlines - (span.Length > 0 && span[^1] == '\n' ? 1 : 0), JsonLoadRules.TruncateBytes(text, 1024));
    }
}
