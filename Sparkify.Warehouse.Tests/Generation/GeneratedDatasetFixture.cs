using System.Text.Json;
using Sparkify.Warehouse.Generation;

namespace Sparkify.Warehouse.Tests.Generation;

/// <summary>One generated dataset, read back whole (it is small), shared by a test class.</summary>
public sealed class GeneratedDatasetFixture : IAsyncLifetime
{
    public const int Songs = 400;
    public const int Events = 8000;
    public const int Days = 30;
    public const long Seed = 7;

    public string Folder { get; } = TempFolder.NewPath("gen");

    public GeneratedDataset Dataset { get; private set; } = null!;

    /// <summary>Every song file: its path relative to song_data and its parsed objects.</summary>
    public List<(string RelativePath, string Text, List<JsonElement> Songs)> SongFiles { get; } = [];

    /// <summary>Every log file (relative to log_data) with its lines, parsed, in file order.</summary>
    public List<(string RelativePath, List<JsonElement> Events)> LogFiles { get; } = [];

    public IEnumerable<JsonElement> AllEvents => LogFiles.SelectMany(f => f.Events);

    public async Task InitializeAsync()
    {
        Dataset = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions { OutputDirectory = Folder, Songs = Songs, Events = Events, Days = Days, Seed = Seed });
        foreach (var path in Directory.EnumerateFiles(Dataset.SongDataDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var text = await File.ReadAllTextAsync(path);
            SongFiles.Add((Path.GetRelativePath(Dataset.SongDataDirectory, path), text, GeneratedData.ParseObjects(text)));
        }

        foreach (var path in Directory.EnumerateFiles(Dataset.LogDataDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var events = new List<JsonElement>();
            foreach (var line in await File.ReadAllLinesAsync(path))
            {
                using var document = JsonDocument.Parse(line);
                events.Add(document.RootElement.Clone());
            }

            LogFiles.Add((Path.GetRelativePath(Dataset.LogDataDirectory, path), events));
        }
    }

    public Task DisposeAsync()
    {
        TempFolder.Delete(Folder);
        return Task.CompletedTask;
    }
}

internal static class TempFolder
{
    public static string NewPath(string purpose) => Path.Combine(Path.GetTempPath(), $"sparkify-{purpose}-{Guid.NewGuid():N}");

    public static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}

internal static class GeneratedData
{
    /// <summary>Every JSON object in a song file (a file may hold several, each possibly over several lines).</summary>
    public static List<JsonElement> ParseObjects(string text)
    {
        var objects = new List<JsonElement>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(text), new JsonReaderOptions { AllowMultipleValues = true });
        while (JsonElement.TryParseValue(ref reader, out var element))
        {
            objects.Add(element!.Value);
        }

        return objects;
    }

    public static string? Text(this JsonElement element, string key) =>
        element.GetProperty(key).ValueKind == JsonValueKind.Null ? null : element.GetProperty(key).GetString();

    public static bool IsNull(this JsonElement element, string key) => element.GetProperty(key).ValueKind == JsonValueKind.Null;

    /// <summary>The (title, artist, duration) keys that make a play match a song in the transform.</summary>
    public static HashSet<(string, string, double)> SongKeys(IEnumerable<JsonElement> songs) =>
        [.. songs.Select(s => (s.GetProperty("title").GetString()!, s.GetProperty("artist_name").GetString()!, s.GetProperty("duration").GetDouble()))];

    public static (string, string, double) PlayKey(JsonElement play) =>
        (play.GetProperty("song").GetString()!, play.GetProperty("artist").GetString()!, play.GetProperty("length").GetDouble());

    /// <summary>Every file under <paramref name="root"/> with its bytes, keyed by relative path.</summary>
    public static SortedDictionary<string, byte[]> Snapshot(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(p => Path.GetRelativePath(root, p), File.ReadAllBytes), StringComparer.Ordinal);
}
