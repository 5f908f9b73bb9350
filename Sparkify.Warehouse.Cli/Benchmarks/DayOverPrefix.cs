using System.Globalization;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>
/// One more day as a daily schedule loads it: a <c>sparkify load</c> process pointed at the whole log
/// prefix, which holds the 30 days already in the ledger plus the new day, against a process given only
/// that day's file. Each runs on its own fresh warehouse holding the same 30 loaded days, in an order
/// that alternates from run to run; what is left between them is the cost of listing the prefix and
/// reading the ledger.
/// </summary>
internal sealed class DayOverPrefix(BenchDatabases databases, BenchDataset data, TextWriter log)
{
    public List<ChildProcess.Cost> OverPrefix { get; } = [];

    public List<ChildProcess.Cost> NamedAlone { get; } = [];

    /// <summary>Whether the two warehouses ended with the same star tables (last run).</summary>
    public bool? Identical { get; private set; }

    public async Task MeasureAsync(int run, int runs, CancellationToken cancellationToken)
    {
        data.EnsurePrefixLayout();
        await log.WriteLineAsync($"Run {run}/{runs}: one more day over a prefix of 30 loaded days, and the same day's file named alone...").ConfigureAwait(false);
        var grown = await LoadMonthAsync("prefix_grown", cancellationToken).ConfigureAwait(false);
        var named = await LoadMonthAsync("prefix_named", cancellationToken).ConfigureAwait(false);
        try
        {
            data.GrowPrefix();
            var contenders = new List<Func<Task>>
            {
                async () => OverPrefix.Add(await DayAsProcess.MeasureAsync(grown, data, data.PrefixLogData, cancellationToken).ConfigureAwait(false)),
                async () => NamedAlone.Add(await DayAsProcess.MeasureAsync(named, data, data.NextDayFile, cancellationToken).ConfigureAwait(false)),
            };
            if (run % 2 == 0)
            {
                contenders.Reverse();
            }

            foreach (var contender in contenders)
            {
                await contender().ConfigureAwait(false);
            }

            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  over the prefix: {OverPrefix[^1].Seconds:0.000} s ({OverPrefix[^1].CpuSeconds:0.00} s CPU); named alone: {NamedAlone[^1].Seconds:0.000} s ({NamedAlone[^1].CpuSeconds:0.00} s CPU)")).ConfigureAwait(false);
            if (run == runs)
            {
                Identical = await StarChecksum.SameAsync(grown, named, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            data.ShrinkPrefix();
            await databases.DropAsync(grown, cancellationToken).ConfigureAwait(false);
            await databases.DropAsync(named, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A fresh warehouse holding the month loaded from the prefix (untimed), so its ledger holds the prefix's 30 files.</summary>
    private async Task<string> LoadMonthAsync(string label, CancellationToken cancellationToken)
    {
        var database = await databases.CreateAsync(label, migration: null, cancellationToken).ConfigureAwait(false);
        await FullLoad.MeasureAsync(database, data, data.PrefixLogData, cancellationToken).ConfigureAwait(false);
        return database;
    }
}
