using System.Globalization;
using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

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
        var report = new BenchReport { Events = settings.Events, Songs = settings.Songs, Seed = settings.Seed, Runs = settings.Runs, LoadAverageBefore = BenchTiming.LoadAverage() };
        var data = await BenchDataset.EnsureAsync(settings.CacheRoot, settings.Events, settings.Songs, settings.Seed, log, cancellationToken).ConfigureAwait(false);
        try
        {
            await MeasureAsync(data, report, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _databases.DropAllAsync().ConfigureAwait(false);
        }

        report.LoadAverageAfter = BenchTiming.LoadAverage();
        return report;
    }

    private bool Wants(string name) => settings.Only.Count == 0 || settings.Only.Contains(name);

    private async Task MeasureAsync(BenchDataset data, BenchReport report, CancellationToken cancellationToken)
    {
        var loadPhases = await PostgreSqlLoadPhases.CreateAsync(data.SongData, data.LogData, data.JsonPaths, cancellationToken).ConfigureAwait(false);
        var parseFloor = new ParseFloor(loadPhases);
        var jsonBytes = data.JsonBytes;

        // The ingest floor and the reference replay pre-parsed rows; they are written once per dataset and kept.
        var replays = Wants(BenchMeasurements.Ingest) || Wants(BenchMeasurements.Transform) || Wants(BenchMeasurements.Reference);
        if (replays && (!File.Exists(data.EventsBinary) || !File.Exists(data.SongsBinary)))
        {
            await log.WriteLineAsync("Writing the pre-parsed rows (once per dataset)...").ConfigureAwait(false);
            await parseFloor.WritePreParsedRowsAsync(data, cancellationToken).ConfigureAwait(false);
        }

        if (Wants(BenchMeasurements.Parse))
        {
            await parseFloor.MeasureAsync(report, jsonBytes, cancellationToken).ConfigureAwait(false);
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
                var (seconds, result, phases) = await FullLoad.MeasureAsync(loaded, data, cancellationToken).ConfigureAwait(false);
                loadSeconds.Add(seconds);
                report.LoadPhases = phases;
                stagedRows = result.EventsStaged + result.SongsStaged;
            }

            if (Wants(BenchMeasurements.Reference))
            {
                await log.WriteLineAsync($"Run {run}/{settings.Runs}: reference pipeline...").ConfigureAwait(false);
                var reference = await _databases.CreateAsync("reference", ReferencePipeline.SchemaMigration, cancellationToken).ConfigureAwait(false);
                await using (var connection = await BenchTiming.OpenAsync(reference, cancellationToken).ConfigureAwait(false))
                {
                    var (seconds, _) = await BenchTiming.TimeAsync(async () => { await ReferencePipeline.RunAsync(connection, data, cancellationToken).ConfigureAwait(false); return 0L; }).ConfigureAwait(false);
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
                await BenchTiming.VacuumAnalyzeAsync(loaded, cancellationToken).ConfigureAwait(false);
            }

            if (last && Wants(BenchMeasurements.Queries) && loaded is not null)
            {
                await log.WriteLineAsync("Analyst helpers against hand-written SQL on the loaded warehouse...").ConfigureAwait(false);
                report.Queries.AddRange(await BenchQueries.RunAsync(loaded, cancellationToken).ConfigureAwait(false));
            }

            if (Wants(BenchMeasurements.Incremental) && loaded is not null)
            {
                await log.WriteLineAsync($"Run {run}/{settings.Runs}: one more day into the loaded warehouse...").ConfigureAwait(false);
                var (seconds, result, phases) = await FullLoad.MeasureDayAsync(loaded, data, data.NextDay, cancellationToken).ConfigureAwait(false);
                incrementalSeconds.Add(seconds);
                report.IncrementalPhases = phases;
                nextDay = result;
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  one more day: {seconds:0.000} s ({phases}); full load {loadSeconds[^1]:0.00} s")).ConfigureAwait(false);

                // A day later in real life the server has checkpointed (so the first change to each
                // page writes the whole page to the WAL), and staging holds a day, not the month the
                // first day had to free. Measured apart, on the day after, after the same maintenance.
                await BenchTiming.VacuumAnalyzeAsync(loaded, cancellationToken).ConfigureAwait(false);
                if (await Checkpoint.TryAsync(loaded, log, cancellationToken).ConfigureAwait(false))
                {
                    await log.WriteLineAsync($"Run {run}/{settings.Runs}: the day after, following a checkpoint...").ConfigureAwait(false);
                    var (afterSeconds, after, afterPhases) = await FullLoad.MeasureDayAsync(loaded, data, data.DayAfter, cancellationToken).ConfigureAwait(false);
                    afterCheckpointSeconds.Add(afterSeconds);
                    dayAfter = after;
                    await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  the day after a checkpoint: {afterSeconds:0.000} s ({afterPhases})")).ConfigureAwait(false);
                }
            }

            await DropAsync(loaded, cancellationToken).ConfigureAwait(false);
        }

        if (loadSeconds.Count > 0)
        {
            report.Add("sparkify load: JSON files to star tables", BenchTiming.Median(loadSeconds), stagedRows, jsonBytes);
        }

        if (referenceSeconds.Count > 0)
        {
            report.Add("reference: CSV \\copy + plain INSERT ... ON CONFLICT", BenchTiming.Median(referenceSeconds), stagedRows, new FileInfo(data.EventsCsv).Length + new FileInfo(data.SongsCsv).Length);
            if (loadSeconds.Count > 0)
            {
                report.LoadToReference = BenchTiming.Median(loadSeconds) / BenchTiming.Median(referenceSeconds);
            }
        }

        if (nextDay is not null)
        {
            // Each day's share of the full load in proportion to the events it adds.
            var monthEvents = stagedRows - nextDay.SongsStaged;
            var songBytes = loadPhases.SongBytes;
            var seconds = BenchTiming.Median(incrementalSeconds);
            report.Add("incremental: one more day (same songs + 1 log file)", seconds, nextDay.EventsStaged + nextDay.SongsStaged, data.NextDayBytes + songBytes);
            report.IncrementalToProportional = seconds / (BenchTiming.Median(loadSeconds) * nextDay.EventsStaged / monthEvents);
            if (dayAfter is not null)
            {
                var afterSeconds = BenchTiming.Median(afterCheckpointSeconds);
                report.Add("incremental: the day after, following a checkpoint", afterSeconds, dayAfter.EventsStaged + dayAfter.SongsStaged, data.DayAfterBytes + songBytes);
                report.AfterCheckpointToProportional = afterSeconds / (BenchTiming.Median(loadSeconds) * dayAfter.EventsStaged / monthEvents);
            }
        }

        if (Wants(BenchMeasurements.Files))
        {
            await log.WriteLineAsync("Staging the song files alone...").ConfigureAwait(false);
            var database = await _databases.CreateAsync("files", migration: null, cancellationToken).ConfigureAwait(false);
            await SongFilesAlone.MeasureAsync(database, loadPhases, report, cancellationToken).ConfigureAwait(false);

            await DropAsync(database, cancellationToken).ConfigureAwait(false);
        }

        if (Wants(BenchMeasurements.EfCore))
        {
            await log.WriteLineAsync("EF Core AddRange + SaveChanges on a sample...").ConfigureAwait(false);
            var database = await _databases.CreateAsync("efcore", migration: null, cancellationToken).ConfigureAwait(false);
            await EfCoreSaveChanges.MeasureAsync(database, settings.EfRows, report, cancellationToken).ConfigureAwait(false);

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

    /// <summary>The ingest floor (binary COPY of pre-parsed rows) and then, on the same fresh database, the transform alone.</summary>
    private async Task IngestAndTransformAsync(BenchDataset data, BenchReport report, CancellationToken cancellationToken)
    {
        var database = await _databases.CreateAsync("ingest", migration: null, cancellationToken).ConfigureAwait(false);
        await using (var connection = await BenchTiming.OpenAsync(database, cancellationToken).ConfigureAwait(false))
        {
            var staged = await IngestFloor.MeasureAsync(connection, data, report, cancellationToken).ConfigureAwait(false);

            // The reference pipeline's input: the very same staged rows, as CSV.
            if (!File.Exists(data.EventsCsv) || !File.Exists(data.SongsCsv))
            {
                await ReferencePipeline.ExportCsvAsync(connection, "staging_songs", data.SongsCsv, cancellationToken).ConfigureAwait(false);
                await ReferencePipeline.ExportCsvAsync(connection, "staging_events", data.EventsCsv, cancellationToken).ConfigureAwait(false);
            }

            if (Wants(BenchMeasurements.Transform))
            {
                await TransformAlone.MeasureAsync(connection, staged, report, cancellationToken).ConfigureAwait(false);
            }
        }

        await DropAsync(database, cancellationToken).ConfigureAwait(false);
    }

    private async Task DropAsync(string? database, CancellationToken cancellationToken)
    {
        if (database is not null)
        {
            await _databases.DropAsync(database, cancellationToken).ConfigureAwait(false);
        }
    }
}
