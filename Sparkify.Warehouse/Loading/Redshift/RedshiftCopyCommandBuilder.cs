using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Sparkify.Warehouse.Loading.Sources;

namespace Sparkify.Warehouse.Loading.Redshift;

/// <summary>What a Redshift load copies and how; every value is validated before any SQL is built.</summary>
internal sealed record RedshiftCopyRequest
{
    /// <summary>The load's run id, recorded with each rejected record in <c>load_errors</c>.</summary>
    public required Guid RunId { get; init; }

    /// <summary>The <c>s3://</c> prefix of the song files, or null to copy no songs.</summary>
    public string? SongsSource { get; init; }

    /// <summary>
    /// Whether the song objects are gzip-compressed (all of them: COPY cannot mix); null when not yet
    /// known (a dry-run, which lists nothing): the COPY then says where <c>GZIP</c> would go.
    /// </summary>
    public bool? SongsGzip { get; init; } = false;

    /// <summary>The <c>s3://</c> prefix of the event log files, or null to copy no events.</summary>
    public string? EventsSource { get; init; }

    /// <summary>Whether the log objects are gzip-compressed, as <see cref="SongsGzip"/>.</summary>
    public bool? EventsGzip { get; init; } = false;

    /// <summary>
    /// The manifest the songs COPY reads (<c>FROM '&lt;manifest&gt;' MANIFEST</c>): exactly the files it
    /// names; null to COPY every object under <see cref="SongsSource"/>.
    /// </summary>
    public string? SongsManifest { get; init; }

    /// <summary>The manifest the events COPY reads, as <see cref="SongsManifest"/>.</summary>
    public string? EventsManifest { get; init; }

    /// <summary>The <c>s3://</c> URI of the JSONPaths file mapping log keys to <c>staging_events</c> columns.</summary>
    public string? JsonPathsSource { get; init; }

    /// <summary>The ARN of the IAM role the cluster assumes to read S3, or <c>default</c> for the cluster's default role.</summary>
    public required string IamRole { get; init; }

    /// <summary>The AWS region of the bucket(s), e.g. <c>us-west-2</c>.</summary>
    public required string Region { get; init; }

    /// <summary>COPY's MAXERROR: how many rejected records a COPY tolerates (0 to 100,000).</summary>
    public int MaxErrors { get; init; }
}

/// <summary>One COPY into a staging table, in the two forms a load chooses from.</summary>
/// <param name="Table">The staging table.</param>
/// <param name="Source">The S3 URI copied from: the source prefix, or the manifest naming the files.</param>
/// <param name="CopySql">The COPY with <c>STATUPDATE ON</c>, for a loader that owns the staging tables.</param>
/// <param name="NonOwnerCopySql">
/// The same COPY with <c>STATUPDATE OFF</c>: only a table's owner (or a superuser) may update its
/// statistics, so a loader that does not own the staging tables leaves them as they are.
/// </param>
internal sealed record RedshiftCopyCommand(string Table, string Source, string CopySql, string NonOwnerCopySql);

/// <summary>
/// Builds the Redshift statements of a load: <c>COPY ... FROM 's3://...'</c> for each staging table
/// and the capture of its load errors. COPY takes no bind parameters (and Redshift executes it as
/// plain text through <c>ExecuteSqlRaw</c>), so every value that goes into a literal is validated
/// against a strict pattern first and then escaped anyway.
/// </summary>
/// <remarks>
/// Options deliberately left out, so Redshift stages the same rows PostgreSQL does:
/// <list type="bullet">
/// <item><c>TIMEFORMAT 'epochmillisecs'</c>: it only affects TIMESTAMP/DATE columns, and
/// <c>staging_events.ts</c> is a BIGINT that keeps the raw epoch milliseconds; the star insert turns it
/// into a timestamp on both targets.</item>
/// <item><c>EMPTYASNULL</c>/<c>BLANKSASNULL</c>: Redshift already loads an empty (or blank) value as NULL
/// into non-character columns, which is the rule for numeric columns (an empty string is NULL there); for VARCHAR columns these options would turn
/// <c>""</c> into NULL where PostgreSQL keeps <c>""</c> (e.g. <c>artist_location</c>).</item>
/// <item><c>TRUNCATECOLUMNS</c>/<c>ACCEPTINVCHARS</c>: a string longer than its column must be rejected,
/// not silently cut.</item>
/// </list>
/// <c>COMPUPDATE OFF</c> skips the compression analysis that would otherwise run on each load into an
/// emptied staging table; <c>STATUPDATE ON</c> keeps planner statistics right for the star inserts that
/// read staging (it needs the table owner or a superuser; a loader that does not own the staging
/// tables sends <c>STATUPDATE OFF</c>). <c>TRIMBLANKS</c> removes the trailing blanks of every
/// VARCHAR value, as the PostgreSQL path does when it stages: Redshift ignores trailing blanks when it
/// compares VARCHARs and PostgreSQL does not, so without it the title/artist match and the
/// natural-key dedupe could pair different rows on the two targets. The data prefixes must not mix gzip and
/// plain objects: <c>GZIP</c> applies to every file a COPY reads.
/// </remarks>
internal static partial class RedshiftCopyCommandBuilder
{
    /// <summary>MAXERROR's upper limit in Redshift.</summary>
    public const int MaxErrorLimit = LoadRequest.MaxErrorsLimit;

    /// <summary><c>staging_songs</c> columns, loaded by key name (<c>FORMAT AS JSON 'auto'</c>).</summary>
    internal static readonly IReadOnlyList<string> StagingSongColumns =
        ["num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location", "artist_name", "song_id", "title", "duration", "year"];

    /// <summary><c>staging_events</c> columns in JSONPaths order (the JSONPaths file maps by position).</summary>
    internal static readonly IReadOnlyList<string> StagingEventColumns =
        ["artist", "auth", "first_name", "gender", "item_in_session", "last_name", "length", "level", "location", "method", "page", "registration", "session_id", "song", "status", "ts", "user_agent", "user_id"];

    /// <summary>
    /// The COPY commands of a load: songs first, then events, each only when its source is given.
    /// </summary>
    /// <exception cref="WarehouseException">A value is invalid; the message names the setting. No SQL was built.</exception>
    public static IReadOnlyList<RedshiftCopyCommand> Build(RedshiftCopyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Validate everything first: a half-built list of statements must never exist.
        if (request.RunId == Guid.Empty)
        {
            throw new WarehouseException("The load's run id is empty.");
        }

        var iamRole = ValidateIamRole(request.IamRole);
        var region = ValidateRegion(request.Region);
        if (request.MaxErrors is < 0 or > MaxErrorLimit)
        {
            throw new WarehouseException(string.Create(CultureInfo.InvariantCulture, $"Max errors (MAXERROR) must be between 0 and {MaxErrorLimit:N0} for Redshift; got {request.MaxErrors}."));
        }

        if (request.SongsSource is null && request.EventsSource is null)
        {
            throw new WarehouseException("Nothing to copy: give the songs and/or the events S3 prefix.");
        }

        var songs = request.SongsSource is null ? null : ValidateS3Uri(request.SongsSource, "Songs source", requireObject: false);
        var events = request.EventsSource is null ? null : ValidateS3Uri(request.EventsSource, "Events source", requireObject: false);
        var songsManifest = request.SongsManifest is null ? null : ValidateS3Uri(request.SongsManifest, "Songs manifest", requireObject: true);
        var eventsManifest = request.EventsManifest is null ? null : ValidateS3Uri(request.EventsManifest, "Events manifest", requireObject: true);
        string? jsonPaths = null;
        if (events is not null)
        {
            if (string.IsNullOrWhiteSpace(request.JsonPathsSource))
            {
                throw new WarehouseException("Redshift needs a JSONPaths file in S3 to map the log events' camelCase keys to staging_events columns: upload log_json_path.json and give its s3:// URI.");
            }

            if (!S3Location.IsS3Uri(request.JsonPathsSource))
            {
                throw new WarehouseException($"JSONPaths {InputDisplay.Quote(request.JsonPathsSource)} is not in S3: Redshift COPY reads the JSONPaths file from S3 itself, so upload it and give its s3:// URI.");
            }

            jsonPaths = ValidateS3Uri(request.JsonPathsSource, "JSONPaths", requireObject: true);
        }

        var commands = new List<RedshiftCopyCommand>(2);
        if (songs is not null)
        {
            var from = songsManifest ?? songs;
            var copy = Copy("staging_songs", StagingSongColumns, from, songsManifest is not null, iamRole, "auto", region, request.MaxErrors, request.SongsGzip);
            commands.Add(new RedshiftCopyCommand("staging_songs", from, copy + "ON", copy + "OFF"));
        }

        if (events is not null)
        {
            var from = eventsManifest ?? events;
            var copy = Copy("staging_events", StagingEventColumns, from, eventsManifest is not null, iamRole, jsonPaths!, region, request.MaxErrors, request.EventsGzip);
            commands.Add(new RedshiftCopyCommand("staging_events", from, copy + "ON", copy + "OFF"));
        }

        return commands;
    }

    /// <summary>What a COPY built before listing its source shows where <c>GZIP</c> may go.</summary>
    internal const string UnknownGzipLine = "-- GZIP here when every object under the prefix is .json.gz (the load decides from its listing)";

    /// <summary>
    /// Whether a listed source is gzip-compressed, for <see cref="RedshiftCopyRequest.SongsGzip"/>
    /// and <see cref="RedshiftCopyRequest.EventsGzip"/>.
    /// </summary>
    /// <exception cref="WarehouseException">The source mixes <c>.json</c> and <c>.json.gz</c> files, which one COPY cannot read.</exception>
    public static bool IsGzip(IReadOnlyCollection<SourceFile> files, string source)
    {
        ArgumentNullException.ThrowIfNull(files);
        var gzipped = files.Count(f => f.IsGzip);
        return gzipped == 0 ? false
            : gzipped == files.Count ? true
            : throw new WarehouseException($"Source {InputDisplay.Quote(source)} mixes gzip-compressed (.json.gz) and plain (.json) files; Redshift COPY applies GZIP to every file of a prefix, so keep them under separate prefixes.");
    }

    // Ends with "STATUPDATE ": the caller appends ON or OFF.
    private static string Copy(string table, IReadOnlyList<string> columns, string from, bool manifest, string iamRole, string format, string region, int maxErrors, bool? gzip)
    {
        var sql = new StringBuilder()
            .Append("COPY ").Append(table).Append(" (").AppendJoin(", ", columns).Append(")\n")
            .Append("FROM ").Append(Literal(from)).Append('\n')
            .Append("IAM_ROLE ").Append(iamRole == "default" ? "default" : Literal(iamRole)).Append('\n');
        if (manifest)
        {
            sql.Append("MANIFEST\n");
        }

        sql.Append("FORMAT AS JSON ").Append(Literal(format)).Append('\n');
        if (gzip is null)
        {
            sql.Append(UnknownGzipLine).Append('\n');
        }
        else if (gzip.Value)
        {
            sql.Append("GZIP\n");
        }

        return sql
            .Append("TRIMBLANKS\n")
            .Append("REGION ").Append(Literal(region)).Append('\n')
            .Append("MAXERROR ").Append(maxErrors.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("COMPUPDATE OFF\n")
            .Append("STATUPDATE ")
            .ToString();
    }

    /// <summary>
    /// The statement that records a load's rejected records in <c>load_errors</c>: every row the
    /// error view holds for the load's session (<c>@session</c>, its <c>pg_backend_pid()</c>) since the
    /// load began (<c>@since</c>, the server's <c>GETDATE()</c> when it did). It names the session
    /// instead of relying on <c>pg_last_copy_id()</c>, so it reads the rejects of a COPY that failed
    /// (past MAXERROR, which aborts the transaction and with it the rows this statement inserted) from
    /// a second connection after the rollback; and the SYS views number queries differently from the
    /// STL ones, so <c>pg_last_copy_id()</c> does not identify a COPY in <c>sys_load_error_detail</c>.
    /// </summary>
    /// <remarks>
    /// A provisioned cluster: <c>stl_load_errors</c>, which keeps the offending record
    /// (<c>raw_line</c>, 1,024 bytes, load_errors' cut). Serverless, which has no STL views:
    /// <c>sys_load_error_detail</c>, which keeps no record, so <c>raw_line</c> stays NULL. For JSON both
    /// report the line where the object ends, which for the one-line log events is where it starts.
    /// </remarks>
    public static string CaptureErrorsSql(bool serverless) => serverless
        ? "INSERT INTO load_errors (run_id, source, line_number, column_name, reason, raw_line)\n"
          + "SELECT @run_id, TRIM(file_name), line_number, NULLIF(TRIM(column_name), ''), TRIM(error_message), NULL\n"
          + "FROM sys_load_error_detail\n"
          + "WHERE session_id = @session AND start_time >= @since"
        : "INSERT INTO load_errors (run_id, source, line_number, column_name, reason, raw_line)\n"
          + "SELECT @run_id, TRIM(filename), line_number, NULLIF(TRIM(colname), ''), TRIM(err_reason), TRIM(raw_line)\n"
          + "FROM stl_load_errors\n"
          + "WHERE session = @session AND starttime >= @since";

    /// <summary>A SQL string literal. Validation already refused quotes; doubling them is the second line of defence.</summary>
    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string ValidateS3Uri(string value, string setting, bool requireObject)
    {
        var location = S3Location.Parse(value, setting);

        // "--" cannot start a comment inside a literal, but it has no business in a Sparkify path and
        // refusing it keeps every statement free of comment markers, whatever later edits do to it.
        if (value.Contains("--", StringComparison.Ordinal))
        {
            throw new WarehouseException($"{setting} {InputDisplay.Quote(value)} is not accepted for Redshift COPY: it contains '--'.");
        }

        if (requireObject && (location.Key.Length == 0 || location.Key.EndsWith('/')))
        {
            throw new WarehouseException($"{setting} {InputDisplay.Quote(value)} names a bucket or folder, not an S3 object.");
        }

        return location.Uri;
    }

    private static string ValidateIamRole(string? value)
    {
        if (string.Equals(value, "default", StringComparison.OrdinalIgnoreCase))
        {
            return "default";
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new WarehouseException("IAM role is not set: give the ARN of a role the cluster may assume to read S3 (arn:aws:iam::<account>:role/<name>), or 'default'.");
        }

        if (!IsIamRoleArn(value))
        {
            throw new WarehouseException($"IAM role {InputDisplay.Quote(value)} is not an IAM role ARN of the form arn:aws:iam::<12-digit account>:role/<name>.");
        }

        return value;
    }

    /// <summary>Whether <paramref name="value"/> is an IAM role ARN that is safe to put in a COPY literal.</summary>
    internal static bool IsIamRoleArn(string value)
        => IamRolePattern().IsMatch(value) && !value.Contains("--", StringComparison.Ordinal);

    private static string ValidateRegion(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || !S3ClientFactory.RegionPattern().IsMatch(value))
        {
            throw new WarehouseException($"Region {InputDisplay.Quote(value ?? "")} is not an AWS region name such as us-west-2.");
        }

        return value;
    }

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex IamRolePattern();
}
