using System.Text;

namespace Sparkify.Warehouse.Generation;

/// <summary>
/// Writes a synthetic Sparkify dataset — song files, a month of app event logs and the JSONPaths file —
/// in exactly the layout and formats of the real data, for demos, tests and benchmarks.
/// </summary>
/// <remarks>
/// <para>
/// The folder gets <c>song_data/A/B/C/TRABC….json</c> (one song per file, the real snake_case keys in their
/// order, a few files pretty-printed), <c>log_data/YYYY/MM/YYYY-MM-DD-events.json</c> (JSON Lines, the real
/// camelCase keys in their order, one file per UTC day, each sorted by <c>ts</c>) and
/// <c>log_json_path.json</c>, so a generated folder loads on its own.
/// </para>
/// <para>
/// The events behave like the real ones: sessions with increasing <c>itemInSession</c> and <c>ts</c>;
/// logged-out visitors and guests with <c>userId</c> <c>""</c> and null names; the app's other pages (Home,
/// Login, Logout, Settings, Help, About, Upgrade, Submit Upgrade, Downgrade, Error, Register...) with null
/// song, artist and length; free users upgrading to paid mid-month (their level changes after a
/// Submit Upgrade event). About 85% of song plays name a song of the song files with the same title,
/// artist name and duration, so they match in the star-schema transform; the rest are songs that are in no
/// song file, or other recordings of catalog songs (same title and artist, another length), which must not
/// match. <see cref="GeneratedDataset.MatchedSongPlays"/> says exactly how many match.
/// </para>
/// <para>
/// Output is deterministic: the same options give the same bytes on every platform (own pseudo-random
/// generator, integer arithmetic). It is streamed: songs and events are written as they are made, and memory
/// stays flat whatever the size (only the users, about 40 bytes each, grow with it).
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var data = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions { OutputDirectory = "demo", Songs = 500, Events = 20_000 });
/// var result = await loader.LoadAsync(new LoadRequest { SongsSource = data.SongDataDirectory, EventsSource = data.LogDataDirectory, JsonPathsSource = data.JsonPathsFile });
/// </code>
/// </example>
public static class SparkifyDataGenerator
{
    /// <summary>The name of the song files' folder.</summary>
    public const string SongDataFolder = "song_data";

    /// <summary>The name of the event logs' folder.</summary>
    public const string LogDataFolder = "log_data";

    /// <summary>The name of the JSONPaths file.</summary>
    public const string JsonPathsFileName = "log_json_path.json";

    /// <summary>Writes the dataset <paramref name="options"/> describe.</summary>
    /// <param name="options">Where to write, how much, and the seed.</param>
    /// <param name="cancellationToken">Stops the generation; the folder then holds partial data.</param>
    /// <returns>Where the dataset is and what it holds.</returns>
    /// <exception cref="ArgumentException">An option is out of range (negative sizes, no days, a window past year 9999, no folder).</exception>
    /// <exception cref="WarehouseException">The folder is a file or is not empty (and <see cref="GenerationOptions.ReplaceExisting"/> is not set).</exception>
    public static async Task<GeneratedDataset> GenerateAsync(GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var root = Path.GetFullPath(options.OutputDirectory);
        PrepareFolder(root, options.ReplaceExisting);

        var jsonPaths = Path.Combine(root, JsonPathsFileName);
        var jsonPathsBytes = Encoding.UTF8.GetBytes(JsonPathsText());
        await File.WriteAllBytesAsync(jsonPaths, jsonPathsBytes, cancellationToken).ConfigureAwait(false);

        var catalog = new SongCatalog(options.Seed, options.Songs);
        var songRoot = Path.Combine(root, SongDataFolder);
        using var songs = new SongFileWriter(songRoot, catalog);
        for (var i = 0; i < options.Songs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await songs.WriteAsync(i, cancellationToken).ConfigureAwait(false);
        }

        var windowStart = new DateTimeOffset(options.StartDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        var simulator = new EventSimulator(options.Seed, options.Events, options.Days, windowStart, catalog);
        var logRoot = Path.Combine(root, LogDataFolder);
        Directory.CreateDirectory(logRoot);
        long events = 0, plays = 0, matched = 0;
        var logs = new EventLogWriter(logRoot, options.StartDate, options.Days, windowStart, simulator.Listeners);
        await using (logs.ConfigureAwait(false))
        {
            while (simulator.MoveNext(out var session, out var index))
            {
                if ((events & 0xFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                await logs.WriteAsync(session, index, cancellationToken).ConfigureAwait(false);
                events++;
                if (session[index].Page == Page.NextSong)
                {
                    plays++;
                    if (session[index].SongKind == SongKind.Catalog)
                    {
                        matched++;
                    }
                }
            }

            await logs.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return new GeneratedDataset
        {
            OutputDirectory = root,
            SongDataDirectory = songRoot,
            LogDataDirectory = logRoot,
            JsonPathsFile = jsonPaths,
            SongFiles = songs.Files,
            Artists = songs.Artists,
            LogFiles = logs.Files,
            Events = events,
            SongPlays = plays,
            MatchedSongPlays = matched,
            Users = simulator.Listeners.SeenCount,
            Bytes = jsonPathsBytes.Length + songs.Bytes + logs.Bytes,
        };
    }

    /// <summary>The JSONPaths file: the 18 event keys in <c>staging_events</c> column order, laid out like Sparkify's own.</summary>
    internal static string JsonPathsText()
    {
        var text = new StringBuilder("{\n    \"jsonpaths\": [\n");
        for (var i = 0; i < EventLogWriter.Keys.Length; i++)
        {
            text.Append("        \"$['").Append(EventLogWriter.Keys[i]).Append("']\"").Append(i < EventLogWriter.Keys.Length - 1 ? ",\n" : "\n");
        }

        return text.Append("    ]\n}\n").ToString();
    }

    private static void Validate(GenerationOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputDirectory, nameof(options) + "." + nameof(GenerationOptions.OutputDirectory));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Songs, nameof(options) + "." + nameof(GenerationOptions.Songs));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Events, nameof(options) + "." + nameof(GenerationOptions.Events));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Days, 1, nameof(options) + "." + nameof(GenerationOptions.Days));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Days, GenerationOptions.MaxDays, nameof(options) + "." + nameof(GenerationOptions.Days));
        if (options.StartDate.DayNumber + options.Days > DateOnly.MaxValue.DayNumber)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The generated days must end before the year 10000.");
        }
    }

    private static void PrepareFolder(string root, bool replaceExisting)
    {
        if (File.Exists(root))
        {
            throw new WarehouseException($"'{root}' is a file; the generated data needs a folder.");
        }

        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            if (!replaceExisting)
            {
                throw new WarehouseException($"The folder '{root}' is not empty; generate into a new or empty folder, or allow replacing the generated data in it.");
            }

            // Only what a generation writes is removed, so that stale songs or days cannot mix into the new dataset.
            foreach (var folder in new[] { SongDataFolder, LogDataFolder })
            {
                var path = Path.Combine(root, folder);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                else if (File.Exists(path))
                {
                    File.Delete(path);
                }
            }

            File.Delete(Path.Combine(root, JsonPathsFileName));
        }

        Directory.CreateDirectory(root);
    }
}
