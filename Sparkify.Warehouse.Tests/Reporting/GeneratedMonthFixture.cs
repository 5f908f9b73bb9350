using System.Text.Json;
using Sparkify.Warehouse.Generation;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.Generation;
using Sparkify.Warehouse.Tests.Queries;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Reporting;

/// <summary>A generated month of data loaded by the real loader into a fresh warehouse, with its raw plays read back from the files.</summary>
public sealed class GeneratedMonthFixture : IAsyncLifetime
{
    private readonly string _folder = TempFolder.NewPath("report-month");

    public string ConnectionString { get; private set; } = "";

    public GeneratedDataset Dataset { get; private set; } = null!;

    public IReadOnlyList<RawPlay> RawPlays { get; private set; } = [];

    public async Task InitializeAsync()
    {
        ConnectionString = await MigratedDatabaseFixture.CreateAsync("month");
        Dataset = await SparkifyDataGenerator.GenerateAsync(new GenerationOptions { OutputDirectory = _folder, Songs = 300, Events = 9000, Days = 30, Seed = 16 });
        var result = await new WarehouseLoader(new WarehouseOptions { ConnectionString = ConnectionString }).LoadAsync(new LoadRequest
        {
            SongsSource = Dataset.SongDataDirectory,
            EventsSource = Dataset.LogDataDirectory,
            JsonPathsSource = Dataset.JsonPathsFile,
        });
        Assert.Equal(Dataset.SongPlays, result.SongPlaysInserted);

        var events = new List<(long?, string?, string?, string?, string?)>();
        foreach (var path in Directory.EnumerateFiles(Dataset.LogDataDirectory, "*.json", SearchOption.AllDirectories))
        {
            foreach (var line in await File.ReadAllLinesAsync(path))
            {
                var e = JsonDocument.Parse(line).RootElement;
                events.Add((e.GetProperty("ts").GetInt64(), e.Text("page"), e.Text("userId"), e.Text("level"), e.Text("location")));
            }
        }

        RawPlays = QueryOracle.PlaysOf(events);
    }

    public async Task DisposeAsync()
    {
        TempFolder.Delete(_folder);
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}
