using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>The library's load as an app calls it: one timed <see cref="WarehouseLoader.LoadAsync"/>, with where its time went.</summary>
internal static class FullLoad
{
    /// <summary>The whole dataset: every song file and every log.</summary>
    public static Task<(double Seconds, LoadResult Result, string Phases)> MeasureAsync(string database, BenchDataset data, CancellationToken cancellationToken)
        => LoadAsync(database, new LoadRequest { SongsSource = data.SongData, EventsSource = data.LogData, JsonPathsSource = data.JsonPaths }, cancellationToken);

    /// <summary>One more day into a loaded warehouse: the same song files and the logs under <paramref name="day"/>.</summary>
    public static Task<(double Seconds, LoadResult Result, string Phases)> MeasureDayAsync(string database, BenchDataset data, string day, CancellationToken cancellationToken)
        => LoadAsync(database, new LoadRequest { SongsSource = data.SongData, EventsSource = day, JsonPathsSource = data.JsonPaths }, cancellationToken);

    private static async Task<(double Seconds, LoadResult Result, string Phases)> LoadAsync(string database, LoadRequest request, CancellationToken cancellationToken)
    {
        var loader = new WarehouseLoader(new WarehouseOptions { ConnectionString = database });
        var phases = new PhaseClock();
        LoadResult? result = null;
        var (seconds, _) = await BenchTiming.TimeAsync(async () => { result = await loader.LoadAsync(request, phases, cancellationToken).ConfigureAwait(false); return 0L; }).ConfigureAwait(false);
        return (seconds, result!, phases.Describe(seconds));
    }
}
