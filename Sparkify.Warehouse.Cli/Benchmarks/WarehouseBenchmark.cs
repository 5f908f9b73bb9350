using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Loading.Transform;
using Sparkify.Warehouse.Loading.Json;
using Sparkify.Warehouse.Loading.PostgreSql;
using Sparkify.Warehouse.Loading.Sources;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>What <c>sparkify bench</c> measures; names as in <c>--only</c>.</summary>
internal static class BenchMeasurements
{
    public const string Parse = "parse";
    public const string Ingest = "ingest";
    public const string Transform = "transform";
    public const string Load = "load";
    public const string Reference = "reference";
    public const string Incremental = "incremental";
    public const string Files = "files";
    public const string EfCore = "efcore";
    public const string Memory = "memory";
    public const string Queries = "queries";

    public static readonly string[] All = [Parse, Ingest, Transform, Load, Reference, Incremental, Queries, Files, EfCore, Memory];
}

/// <summary>The settings of one benchmark run.</summary>
internal sealed record BenchSettings(int Events, int Songs, long Seed, int Runs, int EfRows, IReadOnlySet<string> Only, string CacheRoot);

/// <summary>
/// Runs the measurements of <c>sparkify bench</c> against one PostgreSQL server, each on a fresh
/// database: the library's full load and the reference pipeline (paired, alternating), the parse and
/// ingest floors, the transform alone, one more day loaded incrementally, the song files staged alone,
/// EF Core's SaveChanges on a sample, and the peak memory of a separate <c>sparkify load</c>.
/// </summary>
internal sealed class WarehouseBenchmark(BenchSettings settings, string serverConnectionString, TextWriter log)
{
    private readonly BenchDatabases _databases = new(serverConnectionString);

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new BenchReport { Events = settings.Events, Songs = settings.Songs, Seed = settings.Seed, Runs = settings.Runs, LoadAverageBefore = LoadAverage() };
        var data = await BenchDataset.EnsureAsync(settings.CacheRoot, settings.Events, settings.Songs, settings.Seed, log, cancellationToken).ConfigureAwait(false);
        try
        {
            await MeasureAsync(data, report, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _databases.DropAllAsync().ConfigureAwait(false);
        }

        report.LoadAverageAfter = LoadAverage();
        return report;
    }

    private bool Wants(string name) => settings.Only.Count == 0 || settings.Only.Contains(name);

    private async Task MeasureAsync(BenchDataset data, BenchReport report, CancellationToken cancellationToken)
    {
        using var resolver = new SourceResolver();
        var songFiles = await resolver.ListAsync(data.SongData, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var eventFiles = await resolver.ListAsync(data.LogData, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var jsonPaths = JsonPathsFile.Parse(await File.ReadAllBytesAsync(data.JsonPaths, cancellationToken).ConfigureAwait(false), data.JsonPaths);
        await using var layout = WarehouseConnections.CreateContext("Host=localhost", WarehouseProvider.Postgres);
        var staging = new PostgresStaging(layout);
        var jsonBytes = data.JsonBytes;

        // The ingest floor and the reference replay pre-parsed rows; they are written once per dataset and kept.
        var replays = Wants(BenchMeasurements.Ingest) || Wants(BenchMeasurements.Transform) || Wants(BenchMeasurements.Reference);
        if (replays && (!File.Exists(data.EventsBinary) || !File.Exists(data.SongsBinary)))
        {
            await log.WriteLineAsync("Writing the pre-parsed rows (once per dataset)...").ConfigureAwait(false);
            await ParseAsync(staging, songFiles, eventFiles, jsonPaths, data, cancellationToken).ConfigureAwait(false);
        }

        if (Wants(BenchMeasurements.Parse))
        {
            // Best of two: the first pass also pays for JIT-compiling the parser's hot loop, which
            // every later measurement in this process finds done.
            var (first, rows) = await TimeAsync(() => ParseAsync(staging, songFiles, eventFiles, jsonPaths, data: null, cancellationToken)).ConfigureAwait(false);
            var (second, _) = await TimeAsync(() => ParseAsync(staging, songFiles, eventFiles, jsonPaths, data: null, cancellationToken)).ConfigureAwait(false);
            report.Add("parse floor: JSON to COPY rows, no database", Math.Min(first, second), rows, jsonBytes);
        }

        if (Wants(BenchMeasurements.Ingest) || Wants(BenchMeasurements.Transform) || (Wants(BenchMeasurements.Reference) && !File.Exists(data.EventsCsv)))
        {
            await log.WriteLineAsync("Measuring the ingest floor and the transform alone...").ConfigureAwait(false);
            await IngestAndTransformAsync(data, report, cancellationToken).ConfigureAwait(false);
        }

        var loadSeconds = new List<double>();
        var referenceSeconds = new List<double>();
        var incrementalSeconds = new List<double>();
        var afterCheckpointSeconds = new List<double>();
        LoadResult? dayAfter = null;
        long stagedRows = 0;
        LoadResult? nextDay = null;
        for (var run = 1; run <= settings.Runs; run++)
        {
            // Each run: the full load and the reference on fresh databases (paired), then, on the
            // loaded warehouse, the analyst queries (last run) and one more day.
            var last = run == settings.Runs;
            string? loaded = null;
            if (Wants(BenchMeasurements.Load) || Wants(BenchMeasurements.Incremental) || Wants(BenchMeasurements.Queries))
            {
                await log.WriteLineAsync($"Run {run}/{settings.Runs}: sparkify load...").ConfigureAwait(false);
                loaded = await _databases.CreateAsync("load", migration: null, cancellationToken).ConfigureAwait(false);
                var request = new LoadRequest { SongsSource = data.SongData, EventsSource = data.LogData, JsonPathsSource = data.JsonPaths };
                var (seconds, result, phases) = await LoadAsync(loaded, request, cancellationToken).ConfigureAwait(false);
                loadSeconds.Add(seconds);
                report.LoadPhases = phases;
                stagedRows = result.EventsStaged + result.SongsStaged;
            }

            if (Wants(BenchMeasurements.Reference))
            {
                await log.WriteLineAsync($"Run {run}/{settings.Runs}: reference pipeline...").ConfigureAwait(false);
                var reference = await _databases.CreateAsync("reference", ReferencePipeline.SchemaMigration, cancellationToken).ConfigureAwait(false);
                await using (var connection = await OpenAsync(reference, cancellationToken).ConfigureAwait(false))
                {
                    var (seconds, _) = await TimeAsync(async () => { await ReferencePipeline.RunAsync(connection, data, cancellationToken).ConfigureAwait(false); return 0L; }).ConfigureAwait(false);
                    referenceSeconds.Add(seconds);
                }

                if (last && loaded is not null)
                {
                    report.StarTablesIdentical = await StarChecksum.SameAsync(loaded, reference, cancellationToken).ConfigureAwait(false);
                }

                await DropAsync(reference, cancellationToken).ConfigureAwait(false);
            }

            if (loaded is not null && (Wants(BenchMeasurements.Incremental) || (last && Wants(BenchMeasurements.Queries))))
            {
                // The warehouse as it stands after a big load: the maintenance it sets off (autovacuum
                // of the new rows, fresh statistics) has run, untimed, rather than competing with the
                // next measurement for the two cores.
                await VacuumAnalyzeAsync(loaded, cancellationToken).ConfigureAwait(false);
            }

            if (last && Wants(BenchMeasurements.Queries) && loaded is not null)
            {
                await log.WriteLineAsync("Analyst helpers against hand-written SQL on the loaded warehouse...").ConfigureAwait(false);
                report.Queries.AddRange(await BenchQueries.RunAsync(loaded, cancellationToken).ConfigureAwait(false));
            }

            if (Wants(BenchMeasurements.Incremental) && loaded is not null)
            {
                await log.WriteLineAsync($"Run {run}/{settings.Runs}: one more day into the loaded warehouse...").ConfigureAwait(false);
                var (seconds, result, phases) = await LoadDayAsync(loaded, data, data.NextDay, cancellationToken).ConfigureAwait(false);
                incrementalSeconds.Add(seconds);
                report.IncrementalPhases = phases;
                nextDay = result;
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  one more day: {seconds:0.000} s ({phases}); full load {loadSeconds[^1]:0.00} s")).ConfigureAwait(false);

                // A day later in real life the server has checkpointed (so the first change to each
                // page writes the whole page to the WAL), and staging holds a day, not the month the
                // first day had to free. Measured apart, on the day after, after the same maintenance.
                await VacuumAnalyzeAsync(loaded, cancellationToken).ConfigureAwait(false);
                if (await CheckpointAsync(loaded, cancellationToken).ConfigureAwait(false))
                {
                    await log.WriteLineAsync($"Run {run}/{settings.Runs}: the day after, following a checkpoint...").ConfigureAwait(false);
                    var (afterSeconds, after, afterPhases) = await LoadDayAsync(loaded, data, data.DayAfter, cancellationToken).ConfigureAwait(false);
                    afterCheckpointSeconds.Add(afterSeconds);
                    dayAfter = after;
                    await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  the day after a checkpoint: {afterSeconds:0.000} s ({afterPhases})")).ConfigureAwait(false);
                }
            }

            await DropAsync(loaded, cancellationToken).ConfigureAwait(false);
        }

        if (loadSeconds.Count > 0)
        {
            report.Add("sparkify load: JSON files to star tables", Median(loadSeconds), stagedRows, jsonBytes);
        }

        if (referenceSeconds.Count > 0)
        {
            report.Add("reference: CSV \\copy + plain INSERT ... ON CONFLICT", Median(referenceSeconds), stagedRows, new FileInfo(data.EventsCsv).Length + new FileInfo(data.SongsCsv).Length);
            if (loadSeconds.Count > 0)
            {
                report.LoadToReference = Median(loadSeconds) / Median(referenceSeconds);
            }
        }

        if (nextDay is not null)
        {
            // Each day's share of the full load in proportion to the events it adds.
            var monthEvents = stagedRows - nextDay.SongsStaged;
            var songBytes = songFiles.Sum(f => f.Length ?? 0);
            var seconds = Median(incrementalSeconds);
            report.Add("incremental: one more day (same songs + 1 log file)", seconds, nextDay.EventsStaged + nextDay.SongsStaged, data.NextDayBytes + songBytes);
            report.IncrementalToProportional = seconds / (Median(loadSeconds) * nextDay.EventsStaged / monthEvents);
            if (dayAfter is not null)
            {
                var afterSeconds = Median(afterCheckpointSeconds);
                report.Add("incremental: the day after, following a checkpoint", afterSeconds, dayAfter.EventsStaged + dayAfter.SongsStaged, data.DayAfterBytes + songBytes);
                report.AfterCheckpointToProportional = afterSeconds / (Median(loadSeconds) * dayAfter.EventsStaged / monthEvents);
            }
        }

        if (Wants(BenchMeasurements.Files))
        {
            await log.WriteLineAsync("Staging the song files alone...").ConfigureAwait(false);
            var database = await _databases.CreateAsync("files", migration: null, cancellationToken).ConfigureAwait(false);
            await using (var connection = await OpenAsync(database, cancellationToken).ConfigureAwait(false))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var (seconds, files) = await TimeAsync(async () =>
                {
                    var result = await staging.CopySongsAsync(connection, staging.Fingerprinted(songFiles), new RejectLog(Guid.NewGuid(), 0), null, cancellationToken).ConfigureAwait(false);
                    return result.FilesRead;
                }).ConfigureAwait(false);
                report.Add("song files staged alone (one song per file)", seconds, files, songFiles.Sum(f => f.Length ?? 0));
                report.SongFilesPerSecond = files / seconds;
            }

            await DropAsync(database, cancellationToken).ConfigureAwait(false);
        }

        if (Wants(BenchMeasurements.EfCore))
        {
            await log.WriteLineAsync("EF Core AddRange + SaveChanges on a sample...").ConfigureAwait(false);
            var database = await _databases.CreateAsync("efcore", migration: null, cancellationToken).ConfigureAwait(false);
            await using (var context = WarehouseConnections.CreateContext(database, WarehouseProvider.Postgres))
            {
                var plays = SamplePlays(settings.EfRows);
                var (seconds, rows) = await TimeAsync(async () =>
                {
                    context.SongPlays.AddRange(plays);
                    return await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
                report.Add("EF Core AddRange + SaveChanges (songplays)", seconds, rows, bytes: null);
            }

            await DropAsync(database, cancellationToken).ConfigureAwait(false);
        }

        if (Wants(BenchMeasurements.Memory))
        {
            await log.WriteLineAsync("Peak memory of a separate 'sparkify load'...").ConfigureAwait(false);
            var database = await _databases.CreateAsync("memory", migration: null, cancellationToken).ConfigureAwait(false);
            var (peak, exitCode, error) = await PeakMemory.RunAsync(
                ["load", "--connection", database, "--songs", data.SongData, "--events", data.LogData, "--jsonpaths", data.JsonPaths],
                cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"The measured 'sparkify load' failed (exit {exitCode}): {error}");
            }

            report.PeakLoadRssMegabytes = peak / 1048576.0;
            await DropAsync(database, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One timed <see cref="WarehouseLoader.LoadAsync"/>, with where its time went.</summary>
    private static async Task<(double Seconds, LoadResult Result, string Phases)> LoadAsync(string database, LoadRequest request, CancellationToken cancellationToken)
    {
        var loader = new WarehouseLoader(new WarehouseOptions { ConnectionString = database });
        var phases = new PhaseClock();
        LoadResult? result = null;
        var (seconds, _) = await TimeAsync(async () => { result = await loader.LoadAsync(request, phases, cancellationToken).ConfigureAwait(false); return 0L; }).ConfigureAwait(false);
        return (seconds, result!, phases.Describe(seconds));
    }

    /// <summary>Parses every file as the load does; writes the rows to the cache when <paramref name="data"/> is given, else nowhere.</summary>
    private static async Task<long> ParseAsync(PostgresStaging staging, List<SourceFile> songFiles, List<SourceFile> eventFiles, IReadOnlyList<JsonPath> jsonPaths, BenchDataset? data, CancellationToken cancellationToken)
    {
        var songs = await ParseToAsync(staging.SongsCopy(), songFiles, data?.SongsBinary, cancellationToken).ConfigureAwait(false);
        var events = await ParseToAsync(staging.EventsCopy(jsonPaths), eventFiles, data?.EventsBinary, cancellationToken).ConfigureAwait(false);
        return songs + events;
    }

    private static async Task<long> ParseToAsync(PostgresStagingCopy copy, List<SourceFile> files, string? path, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return (await copy.WriteToAsync(Stream.Null, files, new RejectLog(Guid.NewGuid(), 0), cancellationToken).ConfigureAwait(false)).RecordsStaged;
        }

        var partial = path + ".partial";
        long rows;
        await using (var file = File.Create(partial))
        {
            rows = (await copy.WriteToAsync(file, files, new RejectLog(Guid.NewGuid(), 0), cancellationToken).ConfigureAwait(false)).RecordsStaged;
        }

        File.Move(partial, path, overwrite: true);
        return rows;
    }

    /// <summary>The ingest floor (binary COPY of pre-parsed rows) and then, on the same fresh database, the transform alone.</summary>
    private async Task IngestAndTransformAsync(BenchDataset data, BenchReport report, CancellationToken cancellationToken)
    {
        var database = await _databases.CreateAsync("ingest", migration: null, cancellationToken).ConfigureAwait(false);
        await using (var connection = await OpenAsync(database, cancellationToken).ConfigureAwait(false))
        {
            var binaryBytes = new FileInfo(data.EventsBinary).Length + new FileInfo(data.SongsBinary).Length;
            var (ingestSeconds, _) = await TimeAsync(async () =>
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ReferencePipeline.ExecuteAsync(connection, "TRUNCATE staging_events, staging_songs", cancellationToken).ConfigureAwait(false);
                await ReplayAsync(connection, "staging_songs", data.SongsBinary, cancellationToken).ConfigureAwait(false);
                await ReplayAsync(connection, "staging_events", data.EventsBinary, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return 0L;
            }).ConfigureAwait(false);
            var staged = await ScalarAsync(connection, "SELECT (SELECT COUNT(*) FROM staging_events) + (SELECT COUNT(*) FROM staging_songs)", cancellationToken).ConfigureAwait(false);
            report.Add("ingest floor: binary COPY of pre-parsed rows", ingestSeconds, staged, binaryBytes);

            // The reference pipeline's input: the very same staged rows, as CSV.
            if (!File.Exists(data.EventsCsv) || !File.Exists(data.SongsCsv))
            {
                await ReferencePipeline.ExportCsvAsync(connection, "staging_songs", data.SongsCsv, cancellationToken).ConfigureAwait(false);
                await ReferencePipeline.ExportCsvAsync(connection, "staging_events", data.EventsCsv, cancellationToken).ConfigureAwait(false);
            }

            if (Wants(BenchMeasurements.Transform))
            {
                var (seconds, _) = await TimeAsync(async () =>
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await ReferencePipeline.ExecuteAsync(connection, Sparkify.Warehouse.Loading.PostgreSql.PostgreSqlLoadPipeline.SessionSql, cancellationToken).ConfigureAwait(false);
                    await TransformRunner.ApplyAsync(connection, WarehouseProvider.Postgres, fullRefresh: false, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return 0L;
                }).ConfigureAwait(false);
                report.Add("transform alone: staging to star tables", seconds, staged, bytes: null);
            }
        }

        await DropAsync(database, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReplayAsync(NpgsqlConnection connection, string table, string path, CancellationToken cancellationToken)
    {
        var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            await using var file = File.OpenRead(path);
            await file.CopyToAsync(copy, PostgresStagingCopy.FlushBytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Plays shaped like real ones (the real sample's typical location and user agent lengths).</summary>
    private static List<SongPlay> SamplePlays(int count)
    {
        var start = new DateTime(2018, 11, 1, 0, 0, 0, DateTimeKind.Unspecified);
        return [.. Enumerable.Range(0, count).Select(i => new SongPlay
        {
            StartTime = start.AddMilliseconds(i * 1_337L),
            UserId = i % 97,
            Level = i % 3 == 0 ? "paid" : "free",
            SongId = string.Create(CultureInfo.InvariantCulture, $"SO{i % 5000:D16}"),
            ArtistId = string.Create(CultureInfo.InvariantCulture, $"AR{i % 900:D16}"),
            SessionId = i / 40,
            ItemInSession = i % 40,
            Location = "San Francisco-Oakland-Hayward, CA",
            UserAgent = "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36\"",
        })];
    }

    private async Task DropAsync(string? database, CancellationToken cancellationToken)
    {
        if (database is not null)
        {
            await _databases.DropAsync(database, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task<(double Seconds, long Count)> TimeAsync(Func<Task<long>> action)
    {
        // Each measurement starts from a collected heap, so garbage from the one before is not billed to it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        var count = await action().ConfigureAwait(false);
        return (clock.Elapsed.TotalSeconds, count);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The 1-minute load average (Linux), so a reader can tell a quiet machine from a busy one.</summary>
    private Task<(double Seconds, LoadResult Result, string Phases)> LoadDayAsync(string database, BenchDataset data, string day, CancellationToken cancellationToken)
        => LoadAsync(database, new LoadRequest { SongsSource = data.SongData, EventsSource = day, JsonPathsSource = data.JsonPaths }, cancellationToken);

    private async Task VacuumAnalyzeAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, cancellationToken).ConfigureAwait(false);
        await ReferencePipeline.ExecuteAsync(connection, "VACUUM (ANALYZE)", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checkpoints the server; false when the benchmark's role may not (it needs pg_checkpoint).</summary>
    private async Task<bool> CheckpointAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, cancellationToken).ConfigureAwait(false);
        try
        {
            await ReferencePipeline.ExecuteAsync(connection, "CHECKPOINT", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            await log.WriteLineAsync("Skipping the day after a checkpoint: the benchmark's role may not run CHECKPOINT (needs pg_checkpoint).").ConfigureAwait(false);
            return false;
        }
    }

    private static double? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg")
                ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>When each phase of a load ended, from the loader's own progress reports (delivered synchronously).</summary>
internal sealed class PhaseClock : IProgress<LoadProgress>
{
    private readonly Lock _gate = new();
    private readonly List<(string Phase, TimeSpan End)> _phases = [];

    public void Report(LoadProgress value)
    {
        lock (_gate)
        {
            if (_phases.Count > 0 && _phases[^1].Phase == value.Phase)
            {
                _phases[^1] = (value.Phase, value.Elapsed);
            }
            else
            {
                _phases.Add((value.Phase, value.Elapsed));
            }
        }
    }

    /// <summary>"staging songs 0.40 s, staging events 2.70 s, transforming 9.00 s": each phase's own share of <paramref name="totalSeconds"/>.</summary>
    public string Describe(double totalSeconds)
    {
        lock (_gate)
        {
            var parts = new List<string>();
            var start = 0.0;
            for (var i = 0; i < _phases.Count; i++)
            {
                // A phase lasts until the next one starts; the last one until the load returned.
                var end = i + 1 < _phases.Count ? StartOf(i + 1) : totalSeconds;
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{_phases[i].Phase} {end - start:0.00} s"));
                start = end;
            }

            return string.Join(", ", parts);
        }

        double StartOf(int index) => index == 0 ? 0 : _phases[index - 1].End.TotalSeconds;
    }
}
