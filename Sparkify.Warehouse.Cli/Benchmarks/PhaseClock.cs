using System.Globalization;
using Sparkify.Warehouse.Loading;

namespace Sparkify.Warehouse.Cli.Benchmarks;

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
