using System.Globalization;
using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// Runs the measurements of <c>sparkify bench</c> against one PostgreSQL server, each on a fresh
/// database: the library's full load and the reference pipeline (paired, alternating), the parse and
/// ingest floors, the transform alone, one more day loaded incrementally (and by the lean reference), the song files staged alone,
/// EF Core's SaveChanges on a sample, and the peak memory of a separate <c>sparkify load</c>.
/// </summary>
internal sealed class WarehouseBenchmark(BenchSettings settings, string serverConnectionString, string serverName, TextWriter log)
{
    private readonly BenchDatabases _databases = new(serverConnectionString);

    /// <summary>Timed rounds of each <c>sparkify query</c> process and its psql run: more than the paired runs, each being short.</summary>
    private int QueryProcessRounds => (2 * settings.Runs) + 1;

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new BenchReport { Events = settings.Events, Songs = settings.Songs, Seed = settings.Seed, Runs = settings.Runs, Server = serverName, LoadAverageBefore = BenchTiming.LoadAverage() };
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

        if (Wants(BenchMeasurements.Load))
        {
            await data.EnsureOneFileLayoutAsync(cancellationToken).ConfigureAwait(false);
        }

        // The lean reference's days (from CSV) and the days' own statements in psql (binary) stage the rows the load's
        // days stage, written once per dataset.
        if (Wants(BenchMeasurements.Incremental))
        {
            await ReferenceDay.EnsureDayRowsAsync(_databases, data, log, cancellationToken).ConfigureAwait(false);
        }

        var loadSeconds = new List<double>();
        var oneFileSeconds = new List<double>();
        var referenceSeconds = new List<double>();
        var designedSeconds = new List<double>();
        var nextDays = new List<ChildProcess.Cost>();
        var daysAfter = new List<ChildProcess.Cost>();
        var referenceNextDays = new List<ChildProcess.Cost>();
        var referenceDaysAfter = new List<ChildProcess.Cost>();
        var planNextDays = new List<ChildProcess.Cost>();
        var planDaysAfter = new List<ChildProcess.Cost>();
        var dayOverPrefix = new DayOverPrefix(_databases, data, log);
        long stagedRows = 0;
        long songsStaged = 0;
        for (var run = 1; run <= settings.Runs; run++)
        {
            // Each run: the full loads and the references on fresh databases of the same server, in an
            // order that alternates from run to run; then, on the loaded warehouse and with nothing in
            // between, two more days as separate processes, and the analyst queries (last run).
            var last = run == settings.Runs;
            string? loaded = null;
            string? oneFile = null;
            string? lean = null;
            string? planned = null;
            var contenders = new List<Func<Task>>();
            if (Wants(BenchMeasurements.Load) || Wants(BenchMeasurements.Incremental) || Wants(BenchMeasurements.Queries) || Wants(BenchMeasurements.Cli))
            {
                contenders.Add(async () =>
                {
                    await log.WriteLineAsync($"Run {run}/{settings.Runs}: sparkify load, 30 daily files...").ConfigureAwait(false);
                    loaded = await _databases.CreateAsync("load", migration: null, cancellationToken).ConfigureAwait(false);
                    var (seconds, result, phases) = await FullLoad.MeasureAsync(loaded, data, data.LogData, cancellationToken).ConfigureAwait(false);
                    loadSeconds.Add(seconds);
                    report.LoadPhases = phases;
                    stagedRows = result.EventsStaged + result.SongsStaged;
                    songsStaged = result.SongsStaged;
                });
            }

            if (Wants(BenchMeasurements.Load))
            {
                contenders.Add(async () =>
                {
                    await log.WriteLineAsync($"Run {run}/{settings.Runs}: sparkify load, one large file...").ConfigureAwait(false);
                    oneFile = await _databases.CreateAsync("load_one_file", migration: null, cancellationToken).ConfigureAwait(false);
                    var (seconds, _, phases) = await FullLoad.MeasureAsync(oneFile, data, data.OneFileLogData, cancellationToken).ConfigureAwait(false);
                    oneFileSeconds.Add(seconds);
                    report.OneFileLoadPhases = phases;
                });
            }

            if (Wants(BenchMeasurements.Incremental))
            {
                // A second warehouse loaded the same way (its time not counted), for the days' own statements run by psql.
                contenders.Add(async () =>
                {
                    await log.WriteLineAsync($"Run {run}/{settings.Runs}: sparkify load, 30 daily files, for the days' plans in psql...").ConfigureAwait(false);
                    planned = await _databases.CreateAsync("plan", migration: null, cancellationToken).ConfigureAwait(false);
                    await FullLoad.MeasureAsync(planned, data, data.LogData, cancellationToken).ConfigureAwait(false);
                });
            }

            if (Wants(BenchMeasurements.Reference))
            {
                contenders.Add(async () => lean = await RunReferenceAsync(run, ReferenceSchema.Lean, referenceSeconds, data, cancellationToken).ConfigureAwait(false));
                contenders.Add(async () => await DropAsync(await RunReferenceAsync(run, ReferenceSchema.AsFirstDesigned, designedSeconds, data, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false));
            }

            if (run % 2 == 0)
            {
                contenders.Reverse();
            }

            foreach (var contender in contenders)
            {
                await contender().ConfigureAwait(false);
            }

            if (last && loaded is not null)
            {
                if (lean is not null)
                {
                    report.StarTablesIdentical = await StarChecksum.SameAsync(loaded, lean, cancellationToken).ConfigureAwait(false);
                }

                if (oneFile is not null)
                {
                    report.LayoutsIdentical = await StarChecksum.SameAsync(loaded, oneFile, cancellationToken).ConfigureAwait(false);
                }
            }

            await DropAsync(oneFile, cancellationToken).ConfigureAwait(false);

            if (Wants(BenchMeasurements.Incremental) && loaded is not null)
            {
                // Each warehouse gets its two days right after its own full load, with nothing in between on it; the
                // load's days and the lean reference's alternate which go first from run to run.
                var days = new List<Func<Task>>
                {
                    async () =>
                    {
                        await log.WriteLineAsync($"Run {run}/{settings.Runs}: one more day, then the day after, as 'sparkify load' processes...").ConfigureAwait(false);
                        nextDays.Add(await DayAsProcess.MeasureAsync(loaded, data, data.NextDay, cancellationToken).ConfigureAwait(false));
                        daysAfter.Add(await DayAsProcess.MeasureAsync(loaded, data, data.DayAfter, cancellationToken).ConfigureAwait(false));
                        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  one more day: {nextDays[^1].Seconds:0.000} s ({nextDays[^1].CpuSeconds:0.00} s CPU); the day after: {daysAfter[^1].Seconds:0.000} s ({daysAfter[^1].CpuSeconds:0.00} s CPU); full load {loadSeconds[^1]:0.00} s")).ConfigureAwait(false);
                    },
                };
                if (lean is not null)
                {
                    days.Add(async () =>
                    {
                        await log.WriteLineAsync($"Run {run}/{settings.Runs}: the lean reference's two days, as psql processes...").ConfigureAwait(false);
                        referenceNextDays.Add(await ReferenceDay.MeasureAsync(lean, data, data.NextDayEventsCsv, cancellationToken).ConfigureAwait(false));
                        referenceDaysAfter.Add(await ReferenceDay.MeasureAsync(lean, data, data.DayAfterEventsCsv, cancellationToken).ConfigureAwait(false));
                        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  one more day: {referenceNextDays[^1].Seconds:0.000} s; the day after: {referenceDaysAfter[^1].Seconds:0.000} s; full load {referenceSeconds[^1]:0.00} s")).ConfigureAwait(false);
                    });
                }

                if (planned is not null)
                {
                    days.Add(async () =>
                    {
                        await log.WriteLineAsync($"Run {run}/{settings.Runs}: the two days' own statements, as psql processes...").ConfigureAwait(false);
                        planNextDays.Add(await DayPlanInPsql.MeasureAsync(planned, data, data.NextDay, data.NextDayEventsBinary, cancellationToken).ConfigureAwait(false));
                        planDaysAfter.Add(await DayPlanInPsql.MeasureAsync(planned, data, data.DayAfter, data.DayAfterEventsBinary, cancellationToken).ConfigureAwait(false));
                        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  one more day: {planNextDays[^1].Seconds:0.000} s; the day after: {planDaysAfter[^1].Seconds:0.000} s")).ConfigureAwait(false);
                    });
                }

                if (run % 2 == 0)
                {
                    days.Reverse();
                }

                foreach (var day in days)
                {
                    await day().ConfigureAwait(false);
                }

                if (last && lean is not null)
                {
                    report.DaysStarTablesIdentical = await StarChecksum.SameAsync(loaded, lean, cancellationToken).ConfigureAwait(false);
                }

                if (last && planned is not null)
                {
                    report.DayPlansStarTablesIdentical = await StarChecksum.SameAsync(loaded, planned, cancellationToken).ConfigureAwait(false);
                }
            }

            await DropAsync(lean, cancellationToken).ConfigureAwait(false);
            await DropAsync(planned, cancellationToken).ConfigureAwait(false);

            if (last && (Wants(BenchMeasurements.Queries) || Wants(BenchMeasurements.Cli)) && loaded is not null)
            {
                // The analyst queries run on the warehouse as it stands once the maintenance a big load
                // sets off (autovacuum of the new rows, fresh statistics) has run, untimed.
                await BenchTiming.VacuumAnalyzeAsync(loaded, cancellationToken).ConfigureAwait(false);
                if (Wants(BenchMeasurements.Queries))
                {
                    await log.WriteLineAsync("Analyst helpers against hand-written SQL on the loaded warehouse...").ConfigureAwait(false);
                    report.Queries.AddRange(await BenchQueries.RunAsync(loaded, cancellationToken).ConfigureAwait(false));
                }

                if (Wants(BenchMeasurements.Cli))
                {
                    await log.WriteLineAsync("'sparkify query' processes against their SQL in psql on the loaded warehouse...").ConfigureAwait(false);
                    var sqlFolder = Path.Combine(data.Root, "cli-sql");
                    report.QueryProcesses.AddRange(await QueryProcesses.RunAsync(loaded, QueryProcessRounds, sqlFolder, cancellationToken).ConfigureAwait(false));
                    await log.WriteLineAsync("'sparkify check' process against its statements in psql...").ConfigureAwait(false);
                    report.CheckProcess = await QueryProcesses.RunCheckAsync(loaded, QueryProcessRounds, sqlFolder, cancellationToken).ConfigureAwait(false);
                }
            }

            await DropAsync(loaded, cancellationToken).ConfigureAwait(false);
            if (Wants(BenchMeasurements.Prefix))
            {
                await dayOverPrefix.MeasureAsync(run, settings.Runs, cancellationToken).ConfigureAwait(false);
            }
        }

        if (loadSeconds.Count > 0)
        {
            report.Add("sparkify load: JSON to star tables, 30 daily files", BenchTiming.Median(loadSeconds), stagedRows, jsonBytes);
        }

        if (oneFileSeconds.Count > 0)
        {
            report.Add("sparkify load: JSON to star tables, one large file", BenchTiming.Median(oneFileSeconds), stagedRows, jsonBytes);
        }

        if (referenceSeconds.Count > 0)
        {
            var csvBytes = new FileInfo(data.EventsCsv).Length + new FileInfo(data.SongsCsv).Length;
            report.Add("reference (lean): CSV \\copy + INSERT ... ON CONFLICT, keys only", BenchTiming.Median(referenceSeconds), stagedRows, csvBytes);
            report.Add("reference as first designed: same, + FKs and their indexes", BenchTiming.Median(designedSeconds), stagedRows, csvBytes);
            if (loadSeconds.Count > 0)
            {
                report.LoadToReference = BenchTiming.Median(loadSeconds) / BenchTiming.Median(referenceSeconds);
            }

            if (oneFileSeconds.Count > 0)
            {
                report.OneFileLoadToReference = BenchTiming.Median(oneFileSeconds) / BenchTiming.Median(referenceSeconds);
            }
        }

        if (nextDays.Count > 0)
        {
            // Each day's share of the full load in proportion to the events it adds.
            var monthEvents = stagedRows - songsStaged;
            var songBytes = loadPhases.SongBytes;
            var nextDayEvents = DayAsProcess.CountEvents(data.NextDay);
            var dayAfterEvents = DayAsProcess.CountEvents(data.DayAfter);
            var seconds = BenchTiming.Median([.. nextDays.Select(d => d.Seconds)]);
            var afterSeconds = BenchTiming.Median([.. daysAfter.Select(d => d.Seconds)]);
            report.NextDayCpuSeconds = BenchTiming.Median([.. nextDays.Select(d => d.CpuSeconds)]);
            report.DayAfterCpuSeconds = BenchTiming.Median([.. daysAfter.Select(d => d.CpuSeconds)]);
            report.Add("one more day: 'sparkify load' process (songs + 1 log)", seconds, nextDayEvents + songsStaged, data.NextDayBytes + songBytes);
            report.Add("the day after: 'sparkify load' process", afterSeconds, dayAfterEvents + songsStaged, data.DayAfterBytes + songBytes);
            var nextDayShare = BenchTiming.Median(loadSeconds) * nextDayEvents / monthEvents;
            var dayAfterShare = BenchTiming.Median(loadSeconds) * dayAfterEvents / monthEvents;
            report.IncrementalToProportional = seconds / nextDayShare;
            report.DayAfterToProportional = afterSeconds / dayAfterShare;
            if (planNextDays.Count > 0)
            {
                var planSecondsNext = BenchTiming.Median([.. planNextDays.Select(d => d.Seconds)]);
                var planSecondsAfter = BenchTiming.Median([.. planDaysAfter.Select(d => d.Seconds)]);
                report.Add("one more day's own SQL: psql process (rows parsed)", planSecondsNext, nextDayEvents, new FileInfo(data.NextDayEventsBinary).Length);
                report.Add("the day after's own SQL: psql process", planSecondsAfter, dayAfterEvents, new FileInfo(data.DayAfterEventsBinary).Length);
                report.NextDayPlanToProportional = planSecondsNext / nextDayShare;
                report.DayAfterPlanToProportional = planSecondsAfter / dayAfterShare;
                report.IncrementalToNextDayPlan = seconds / planSecondsNext;
            }

            if (referenceNextDays.Count > 0)
            {
                var songsCsvBytes = new FileInfo(data.SongsCsv).Length;
                var referenceSecondsNext = BenchTiming.Median([.. referenceNextDays.Select(d => d.Seconds)]);
                var referenceSecondsAfter = BenchTiming.Median([.. referenceDaysAfter.Select(d => d.Seconds)]);
                report.Add("reference (lean) one more day: psql process (songs + 1 day CSV)", referenceSecondsNext, nextDayEvents + songsStaged, new FileInfo(data.NextDayEventsCsv).Length + songsCsvBytes);
                report.Add("reference (lean) the day after: psql process", referenceSecondsAfter, dayAfterEvents + songsStaged, new FileInfo(data.DayAfterEventsCsv).Length + songsCsvBytes);
                report.IncrementalToReferenceDay = seconds / referenceSecondsNext;
                report.DayAfterToReferenceDay = afterSeconds / referenceSecondsAfter;
            }
        }

        if (dayOverPrefix.OverPrefix.Count > 0)
        {
            var dayEvents = DayAsProcess.CountEvents(data.NextDay);
            var overPrefix = BenchTiming.Median([.. dayOverPrefix.OverPrefix.Select(d => d.Seconds)]);
            var namedAlone = BenchTiming.Median([.. dayOverPrefix.NamedAlone.Select(d => d.Seconds)]);
            report.Add("one more day over a prefix of 30 loaded days: process", overPrefix, dayEvents, data.NextDayBytes);
            report.Add("the same day's file named alone: process", namedAlone, dayEvents, data.NextDayBytes);
            report.DayOverPrefixToNamed = overPrefix / namedAlone;
            report.DayOverPrefixCpuSeconds = BenchTiming.Median([.. dayOverPrefix.OverPrefix.Select(d => d.CpuSeconds)]);
            report.DayNamedAloneCpuSeconds = BenchTiming.Median([.. dayOverPrefix.NamedAlone.Select(d => d.CpuSeconds)]);
            report.PrefixWarehousesIdentical = dayOverPrefix.Identical;
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
            var cost = await DayAsProcess.MeasureAsync(database, data, data.LogData, cancellationToken).ConfigureAwait(false);
            report.PeakLoadRssMegabytes = cost.PeakBytes / 1048576.0;
            await DropAsync(database, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The reference pipeline on a fresh database with <paramref name="schema"/>, timed; returns the database (the caller drops it).</summary>
    private async Task<string> RunReferenceAsync(int run, ReferenceSchema schema, List<double> seconds, BenchDataset data, CancellationToken cancellationToken)
    {
        await log.WriteLineAsync($"Run {run}/{settings.Runs}: reference pipeline ({schema})...").ConfigureAwait(false);
        var label = schema == ReferenceSchema.Lean ? "reference" : "reference_designed";
        var reference = await _databases.CreateAsync(label, ReferencePipeline.SchemaMigration, cancellationToken).ConfigureAwait(false);
        if (schema == ReferenceSchema.Lean)
        {
            await ReferencePipeline.MakeLeanAsync(reference, cancellationToken).ConfigureAwait(false);
        }

        await using var connection = await BenchTiming.OpenAsync(reference, cancellationToken).ConfigureAwait(false);
        var (elapsed, _) = await BenchTiming.TimeAsync(async () => { await ReferencePipeline.RunAsync(connection, data, cancellationToken).ConfigureAwait(false); return 0L; }).ConfigureAwait(false);
        seconds.Add(elapsed);
        return reference;
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
