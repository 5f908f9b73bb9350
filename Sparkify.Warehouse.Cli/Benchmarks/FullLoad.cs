using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The library's load as an app calls it: one timed <see cref="WarehouseLoader.LoadAsync"/>, with where its time went.</summary>
internal static class FullLoad
{
    /// <summary>Every song file and the month's logs under <paramref name="logs"/> (either layout).</summary>
    public static Task<(double Seconds, LoadResult Result, string Phases)> MeasureAsync(string database, BenchDataset data, string logs, CancellationToken cancellationToken)
        => LoadAsync(database, new LoadRequest { SongsSource = data.SongData, EventsSource = logs, JsonPathsSource = data.JsonPaths }, cancellationToken);

    private static async Task<(double Seconds, LoadResult Result, string Phases)> LoadAsync(string database, LoadRequest request, CancellationToken cancellationToken)
    {
        var loader = new WarehouseLoader(new WarehouseOptions { ConnectionString = database });
        var phases = new PhaseClock();
        LoadResult? result = null;
        var (seconds, _) = await BenchTiming.TimeAsync(async () => { result = await loader.LoadAsync(request, phases, cancellationToken).ConfigureAwait(false); return 0L; }).ConfigureAwait(false);
        return (seconds, result!, phases.Describe(seconds));
    }
}
