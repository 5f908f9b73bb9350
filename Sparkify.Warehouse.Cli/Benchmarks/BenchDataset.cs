using System.Globalization;
using Sparkify.Warehouse.Generation;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// The benchmark's input, generated once per size and seed and kept under
/// <c>SPARKIFY_HOME/bench-cache</c>: a month of logs (<see cref="LogData"/>) plus the two days after it
/// kept apart (<see cref="NextDay"/>, <see cref="DayAfter"/>) for the incremental loads, and the rows
/// pre-parsed for the floors.
/// </summary>
internal sealed class BenchDataset
{
    private const string CompleteMarker = "dataset.complete";

    private BenchDataset(string root) => Root = root;

    public string Root { get; }

    public string SongData => Path.Combine(Root, SparkifyDataGenerator.SongDataFolder);

    /// <summary>The month the full load reads.</summary>
    public string LogData => Path.Combine(Root, SparkifyDataGenerator.LogDataFolder);

    /// <summary>The same month as <see cref="LogData"/> in one large file (see <see cref="EnsureOneFileLayoutAsync"/>).</summary>
    public string OneFileLogData => Path.Combine(Root, "log_data_one_file");

    /// <summary>
    /// A copy of <see cref="LogData"/> that the prefix measurement loads, then grows by <see cref="NextDay"/>'s
    /// file (<see cref="GrowPrefix"/>) and loads again, as a daily schedule pointed at one prefix does.
    /// </summary>
    public string PrefixLogData => Path.Combine(Root, "log_data_prefix");

    /// <summary>The day after that month, alone, for the incremental load.</summary>
    public string NextDay => Path.Combine(Root, "next_day");

    /// <summary>The day after <see cref="NextDay"/>, for the incremental load after a checkpoint.</summary>
    public string DayAfter => Path.Combine(Root, "day_after");

    public string JsonPaths => Path.Combine(Root, SparkifyDataGenerator.JsonPathsFileName);

    /// <summary>The staged event rows as PostgreSQL binary COPY data, for the ingest floor.</summary>
    public string EventsBinary => Path.Combine(Root, "staging_events.pgcopy");

    /// <summary>The staged song rows as PostgreSQL binary COPY data.</summary>
    public string SongsBinary => Path.Combine(Root, "staging_songs.pgcopy");

    /// <summary>The staged event rows as CSV, for the reference pipeline's <c>\copy</c>.</summary>
    public string EventsCsv => Path.Combine(Root, "staging_events.csv");

    /// <summary>The staged song rows as CSV.</summary>
    public string SongsCsv => Path.Combine(Root, "staging_songs.csv");

    /// <summary><see cref="NextDay"/>'s staged event rows as CSV, for the reference pipeline's day.</summary>
    public string NextDayEventsCsv => Path.Combine(Root, "next_day_events.csv");

    /// <summary><see cref="DayAfter"/>'s staged event rows as CSV.</summary>
    public string DayAfterEventsCsv => Path.Combine(Root, "day_after_events.csv");

    /// <summary><see cref="NextDay"/>'s staged event rows in COPY's binary format, for the day's own statements in psql.</summary>
    public string NextDayEventsBinary => Path.Combine(Root, "next_day_events.bin");

    /// <summary><see cref="DayAfter"/>'s staged event rows in COPY's binary format.</summary>
    public string DayAfterEventsBinary => Path.Combine(Root, "day_after_events.bin");

    /// <summary>Bytes of JSON the full load reads (songs and the month of logs).</summary>
    public long JsonBytes => FolderBytes(SongData) + FolderBytes(LogData);

    public long NextDayBytes => FolderBytes(NextDay);

    public long DayAfterBytes => FolderBytes(DayAfter);

    public int SongFiles => Directory.EnumerateFiles(SongData, "*.json", SearchOption.AllDirectories).Count();

    /// <summary>The cached dataset for these sizes, generated first when it is not there yet.</summary>
    public static async Task<BenchDataset> EnsureAsync(string cacheRoot, int events, int songs, long seed, TextWriter log, CancellationToken cancellationToken)
    {
        // "days2": the layout with two extra days; a cache of another layout is generated anew.
        var root = Path.Combine(cacheRoot, string.Create(CultureInfo.InvariantCulture, $"events{events}-songs{songs}-seed{seed}-days2"));
        var dataset = new BenchDataset(root);
        if (File.Exists(Path.Combine(root, CompleteMarker)))
        {
            return dataset;
        }

        await log.WriteLineAsync($"Generating the benchmark data into {root} (once per size and seed)...").ConfigureAwait(false);
        const int Days = 30;

        const int ExtraDays = 2;

        // Two days more than the month, spread evenly, so the month holds about the requested events
        // and each extra day is the size of an ordinary day.
        await SparkifyDataGenerator.GenerateAsync(
            new GenerationOptions
            {
                OutputDirectory = root,
                Songs = songs,
                Events = (int)Math.Min(int.MaxValue, (long)events * (Days + ExtraDays) / Days),
                Days = Days + ExtraDays,
                Seed = seed,
                ReplaceExisting = true,
            },
            cancellationToken).ConfigureAwait(false);
        var lastDays = Directory.EnumerateFiles(dataset.LogData, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).TakeLast(ExtraDays).ToList();
        foreach (var (day, folder) in lastDays.Zip([dataset.NextDay, dataset.DayAfter]))
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.CreateDirectory(folder);
            File.Move(day, Path.Combine(folder, Path.GetFileName(day)));
        }

        foreach (var derived in new[] { dataset.EventsBinary, dataset.SongsBinary, dataset.EventsCsv, dataset.SongsCsv, dataset.NextDayEventsCsv, dataset.DayAfterEventsCsv, dataset.NextDayEventsBinary, dataset.DayAfterEventsBinary })
        {
            File.Delete(derived);
        }

        await File.WriteAllTextAsync(Path.Combine(root, CompleteMarker), DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return dataset;
    }

    /// <summary>
    /// Writes <see cref="OneFileLogData"/> once: the month's daily files concatenated in name order
    /// (each ending in a newline), so both layouts hold the very same events.
    /// </summary>
    public async Task EnsureOneFileLayoutAsync(CancellationToken cancellationToken)
    {
        var target = Path.Combine(OneFileLogData, "events.json");
        if (File.Exists(target))
        {
            return;
        }

        Directory.CreateDirectory(OneFileLogData);
        var partial = Path.Combine(Root, "events-one-file.partial");
        await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            foreach (var day in Directory.EnumerateFiles(LogData, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var bytes = await File.ReadAllBytesAsync(day, cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                if (bytes.Length > 0 && bytes[^1] != (byte)'\n')
                {
                    output.WriteByte((byte)'\n');
                }
            }
        }

        File.Move(partial, target);
    }

    /// <summary>The one file of <see cref="NextDay"/>, the day a daily load adds.</summary>
    public string NextDayFile => Directory.EnumerateFiles(NextDay, "*.json", SearchOption.AllDirectories).Single();

    /// <summary>Writes <see cref="PrefixLogData"/> once (the month's files at the same relative paths) and removes a grown day left by an interrupted run.</summary>
    public void EnsurePrefixLayout()
    {
        if (!Directory.Exists(PrefixLogData))
        {
            var partial = Path.Combine(Root, "log-data-prefix.partial");
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }

            foreach (var day in Directory.EnumerateFiles(LogData, "*", SearchOption.AllDirectories))
            {
                var copy = Path.Combine(partial, Path.GetRelativePath(LogData, day));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(day, copy);
            }

            Directory.Move(partial, PrefixLogData);
        }

        ShrinkPrefix();
    }

    /// <summary>Adds the next day's file to <see cref="PrefixLogData"/> where the Sparkify layout puts it (<c>YYYY/MM/</c> from its name).</summary>
    public void GrowPrefix()
    {
        var target = GrownDayPath();
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(NextDayFile, target, overwrite: true);
    }

    /// <summary>Takes the next day's file out of <see cref="PrefixLogData"/> again.</summary>
    public void ShrinkPrefix()
    {
        var grown = GrownDayPath();
        if (File.Exists(grown))
        {
            File.Delete(grown);
        }
    }

    private string GrownDayPath()
    {
        // "2018-12-01-events.json" goes to 2018/12/.
        var name = Path.GetFileName(NextDayFile);
        return Path.Combine(PrefixLogData, name[..4], name[5..7], name);
    }

    private static long FolderBytes(string folder)
        => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
