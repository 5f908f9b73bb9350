using System.Globalization;
using System.IO.Enumeration;
using Sparkify.Warehouse.CompiledModel;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.Redshift;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Preflight;

/// <summary>The checks of what a load reads: the two sources, the JSONPaths file and (Redshift) the IAM role.</summary>
internal static class SourcePreflight
{
    public const string SongsCheck = "songs";
    public const string EventsCheck = "events";
    public const string JsonPathsCheck = "jsonpaths";
    public const string IamRoleCheck = "iam-role";

    /// <summary>Enough of a file's start to find its first JSON token behind a byte-order mark and blank lines.</summary>
    private const int PeekBytes = 4096;

    public static async Task<IReadOnlyList<PreflightCheck>> RunAsync(WarehouseOptions options, PreflightRequest request, CancellationToken cancellationToken)
    {
        var redshift = options.Provider == WarehouseProvider.Redshift;
        using var resolver = new SourceResolver(options.S3);
        return
        [
            await CheckSourceAsync(SongsCheck, "song data", "--songs", request.SongsSource, resolver, redshift, cancellationToken).ConfigureAwait(false),
            await CheckSourceAsync(EventsCheck, "event logs", "--events", request.EventsSource, resolver, redshift, cancellationToken).ConfigureAwait(false),
            await CheckJsonPathsAsync(request, resolver, redshift, cancellationToken).ConfigureAwait(false),
        ];
    }

    public static PreflightCheck CheckIamRole(WarehouseOptions options)
    {
        if (options.Provider != WarehouseProvider.Redshift)
        {
            return new PreflightCheck(IamRoleCheck, PreflightStatus.Skip, "PostgreSQL loads read the sources themselves; no IAM role is used");
        }

        var role = options.IamRole;
        if (string.IsNullOrWhiteSpace(role))
        {
            return new PreflightCheck(IamRoleCheck, PreflightStatus.Fail, "no IAM role is set; Redshift COPY needs one to read S3",
                "give --iam-role arn:aws:iam::<12-digit account>:role/<name> (Sparkify:IamRole), or 'default' for the cluster's default role");
        }

        if (string.Equals(role, "default", StringComparison.OrdinalIgnoreCase))
        {
            return new PreflightCheck(IamRoleCheck, PreflightStatus.Pass, "'default': COPY assumes the IAM role set as the cluster's default");
        }

        return RedshiftCopyCommandBuilder.IsIamRoleArn(role)
            ? new PreflightCheck(IamRoleCheck, PreflightStatus.Pass, $"{role} is a well-formed IAM role ARN (whether the cluster may assume it shows on the first COPY)")
            // Not echoed: whatever was put here by mistake (a key?) should not end up in output.
            : new PreflightCheck(IamRoleCheck, PreflightStatus.Fail, "the IAM role is not an ARN of the form arn:aws:iam::<12-digit account>:role/<name>",
                "copy the role's ARN from the IAM console (Roles, the role, ARN) into --iam-role or Sparkify:IamRole");
    }

    private static async Task<PreflightCheck> CheckSourceAsync(
        string name, string what, string option, string? source, SourceResolver resolver, bool redshift, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return new PreflightCheck(name, PreflightStatus.Skip, $"no {what} source given", $"give {option} to check it");
        }

        var inS3 = S3Location.IsS3Uri(source);
        if (redshift && !inS3)
        {
            return new PreflightCheck(name, PreflightStatus.Fail, $"{InputDisplay.Quote(source)} is not in S3; Redshift COPY reads S3 only",
                "upload the files to S3 and give their s3://bucket/prefix");
        }

        List<SourceFile> files;
        IReadOnlyList<string> others;
        var listed = false;
        try
        {
            others = inS3 ? await resolver.ListNonJsonKeysAsync(source, cancellationToken).ConfigureAwait(false) : ListOtherLocalFiles(source);
            listed = inS3 || Path.Exists(source);
            files = await resolver.ListAsync(source, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WarehouseException or IOException or UnauthorizedAccessException)
        {
            return new PreflightCheck(name, PreflightStatus.Fail, exception.Message, listed
                ? $"give the folder or prefix that holds the {what} as *.json or *.json.gz files"
                : inS3
                    ? "check the bucket and prefix, the S3 endpoint and region (--s3-endpoint, --s3-region), and the AWS credentials (or Sparkify:S3:Anonymous for a public bucket)"
                    : "check the path: a file, or a folder holding *.json or *.json.gz files");
        }

        var bytes = files.Sum(f => f.Length ?? 0);
        var gzipped = files.Count(f => f.IsGzip);
        var compression = gzipped == 0 ? "plain JSON" : gzipped == files.Count ? "all gzip" : $"{gzipped:N0} gzip and {files.Count - gzipped:N0} plain";
        var detail = string.Create(CultureInfo.InvariantCulture, $"{files.Count:N0} file{(files.Count == 1 ? "" : "s")}, {bytes:N0} bytes, {compression}");
        var otherText = others.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"{others.Count:N0} other {(inS3 ? "object" : "file")}{(others.Count == 1 ? "" : "s")} under it (e.g. {InputDisplay.Quote(others[0])})");

        if (redshift && gzipped > 0 && gzipped < files.Count)
        {
            return new PreflightCheck(name, PreflightStatus.Fail, detail,
                "keep .json.gz and .json files under separate prefixes: COPY's GZIP applies to every file of a prefix");
        }

        if (redshift && others.Count > 0)
        {
            return new PreflightCheck(name, PreflightStatus.Fail, $"{detail}; {otherText}, which Redshift COPY would read too",
                "move the other objects out of the prefix, or give a narrower prefix");
        }

        if (await FirstFileProblemAsync(files[0], cancellationToken).ConfigureAwait(false) is { } problem)
        {
            return new PreflightCheck(name, PreflightStatus.Fail, $"{detail}; {problem}",
                $"the {what} must be JSON objects ({(name == SongsCheck ? "one per song file" : "one per line")}), plain or gzip-compressed");
        }

        return new PreflightCheck(name, PreflightStatus.Pass, others.Count == 0 ? detail : $"{detail}; {otherText}, which loads ignore");
    }

    /// <summary>
    /// The files under a local folder that a load skips (not <c>*.json</c>/<c>*.json.gz</c>), enumerated as
    /// the loader enumerates the folder. A single file, or a path that does not exist, has none.
    /// </summary>
    private static List<string> ListOtherLocalFiles(string path)
    {
        if (!Directory.Exists(path))
        {
            return [];
        }

        var others = new FileSystemEnumerable<string>(
            path,
            (ref FileSystemEntry entry) => entry.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && !SourceFile.IsJsonName(entry.FileName),
        }.ToList();
        others.Sort(StringComparer.Ordinal);
        return others;
    }

    /// <summary>Why the first file does not start with a JSON object, or null when it does.</summary>
    private static async Task<string?> FirstFileProblemAsync(SourceFile file, CancellationToken cancellationToken)
    {
        var buffer = new byte[PeekBytes];
        var total = 0;
        try
        {
            var stream = await file.OpenReadAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                int read;
                while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }
            }
        }
        catch (Exception exception) when (exception is WarehouseException or IOException or UnauthorizedAccessException)
        {
            // InvalidDataException (a corrupt .gz) is an IOException.
            return $"the first file, {file.Name}, could not be read: {exception.Message}";
        }

        var content = buffer.AsSpan(0, total);
        if (content.StartsWith(JsonRecordReader.Utf8Bom))
        {
            content = content[JsonRecordReader.Utf8Bom.Length..];
        }

        var start = content.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && content[start] == (byte)'{'
            ? null
            : $"the first file, {file.Name}, does not start with a JSON object";
    }

    private static async Task<PreflightCheck> CheckJsonPathsAsync(PreflightRequest request, SourceResolver resolver, bool redshift, CancellationToken cancellationToken)
    {
        var source = request.JsonPathsSource;
        var hasEvents = !string.IsNullOrWhiteSpace(request.EventsSource);
        if (string.IsNullOrWhiteSpace(source))
        {
            return redshift && hasEvents
                ? new PreflightCheck(JsonPathsCheck, PreflightStatus.Fail, "no JSONPaths file given; Redshift needs one in S3 to map the event logs' camelCase keys to columns",
                    "upload log_json_path.json to S3 and give its s3:// URI with --jsonpaths")
                : new PreflightCheck(JsonPathsCheck, PreflightStatus.Skip,
                    redshift ? "no JSONPaths file given (needed with event logs)" : "no JSONPaths file given; loads map the 18 standard event keys",
                    "give --jsonpaths to check a JSONPaths file");
        }

        if (redshift && !S3Location.IsS3Uri(source))
        {
            return new PreflightCheck(JsonPathsCheck, PreflightStatus.Fail, $"{InputDisplay.Quote(source)} is not in S3; Redshift COPY reads the JSONPaths file from S3 itself",
                "upload it to S3 and give its s3:// URI");
        }

        byte[] bytes;
        try
        {
            if (redshift && hasEvents && S3Location.IsS3Uri(request.EventsSource!))
            {
                var paths = S3Location.Parse(source, "JSONPaths");
                var events = S3Location.Parse(request.EventsSource, "Events source");
                if (paths.Bucket == events.Bucket && paths.Key.StartsWith(events.Key, StringComparison.Ordinal))
                {
                    return new PreflightCheck(JsonPathsCheck, PreflightStatus.Fail, $"{paths.Uri} lies under the events prefix {events.Uri}, so COPY would read it as an event log too",
                        "move the JSONPaths file out of the events prefix");
                }
            }

            bytes = await resolver.ReadAllBytesAsync(source, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WarehouseException or IOException or UnauthorizedAccessException)
        {
            return new PreflightCheck(JsonPathsCheck, PreflightStatus.Fail, exception.Message, "check the path or s3:// URI of the JSONPaths file");
        }

        var columns = EventColumns();
        IReadOnlyList<JsonPath> parsed;
        try
        {
            parsed = JsonPathsFile.Parse(bytes, source);
        }
        catch (WarehouseException exception)
        {
            return new PreflightCheck(JsonPathsCheck, PreflightStatus.Fail, exception.Message,
                $"write {{\"jsonpaths\": [...]}} with one path per staging_events column, in order: {string.Join(", ", columns)}");
        }

        if (parsed.Count != columns.Count)
        {
            return new PreflightCheck(JsonPathsCheck, PreflightStatus.Fail,
                string.Create(CultureInfo.InvariantCulture, $"{parsed.Count} paths for the {columns.Count} staging_events columns; COPY maps them by position"),
                $"give exactly one path per column, in order: {string.Join(", ", columns)}");
        }

        var standard = JsonPathsFile.DefaultEventPaths;
        var differing = Enumerable.Range(0, columns.Count)
            .Where(i => !parsed[i].Steps.SequenceEqual(standard[i].Steps))
            .Select(i => $"{columns[i]} ← {parsed[i].Text}")
            .ToList();
        return new PreflightCheck(JsonPathsCheck, PreflightStatus.Pass, string.Create(CultureInfo.InvariantCulture,
            $"{parsed.Count} paths map the {columns.Count} staging_events columns") + (differing.Count == 0
                ? ", as the standard mapping does"
                : $"; unlike the standard mapping: {string.Join(", ", differing)}"));
    }

    /// <summary>The staging_events columns in table order, which a JSONPaths file maps to by position.</summary>
    private static IReadOnlyList<string> EventColumns()
        => [.. StagingTable.Events(WarehouseDbContextModel.Instance).Columns.Select(c => c.Name)];
}
