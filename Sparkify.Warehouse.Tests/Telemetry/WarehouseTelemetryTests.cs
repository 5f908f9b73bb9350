using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Telemetry;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Telemetry;

/// <summary>
/// The telemetry API as an app sees it: an <see cref="ActivityListener"/> and a <see cref="MeterListener"/>
/// subscribed by the public name only.
/// </summary>
public sealed class WarehouseTelemetryTests
{
    [Fact]
    public void A_load_span_has_one_child_span_per_phase_all_tagged_with_the_run_id()
    {
        var runId = Guid.NewGuid();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WarehouseTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using (var load = LoadTelemetry.StartLoad(runId))
        {
            Assert.NotNull(load);
            foreach (var phase in Enum.GetValues<LoadPhase>())
            {
                using var span = LoadTelemetry.StartPhase(phase, runId);
                Assert.NotNull(span);
            }
        }

        // Other tests may load meanwhile: only this run's spans count.
        var mine = stopped.Where(a => Equals(a.GetTagItem(WarehouseTelemetry.RunIdTag), runId.ToString("D"))).ToList();
        var root = Assert.Single(mine, a => a.OperationName == "sparkify.load");
        Assert.Null(root.Parent);
        var children = mine.Where(a => a != root).ToList();
        Assert.Equal(["sparkify.load.listing", "sparkify.load.staging", "sparkify.load.transform", "sparkify.load.commit"], children.Select(a => a.OperationName));
        Assert.All(children, child => Assert.Equal(root.SpanId, child.ParentSpanId));
        Assert.All(mine, a => Assert.Equal(WarehouseTelemetry.SourceName, a.Source.Name));
    }

    [Fact]
    public void Counters_and_histograms_report_files_records_rejects_and_durations_with_units_and_tags()
    {
        var measurements = new ConcurrentQueue<(Instrument Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = ListenToMeter(measurements);

        // Values no other test reports, so measurements from loads running in parallel do not interfere.
        LoadTelemetry.FilesListed(TelemetrySource.Events, read: 70_001, skipped: 70_029);
        LoadTelemetry.RecordsStaged(TelemetrySource.Songs, staged: 70_071, rejected: 70_003);
        LoadTelemetry.PhaseEnded(LoadPhase.Transform, TimeSpan.FromSeconds(70.25));
        LoadTelemetry.LoadEnded(succeeded: false, TimeSpan.FromSeconds(71.5));

        Assert.Equal(("{file}", "events", "read"), Only(measurements, 70_001, "sparkify.load.files", m => (m.Instrument.Unit, m.Tags["sparkify.source"], m.Tags["sparkify.file.decision"])));
        Assert.Equal(("{file}", "events", "skipped"), Only(measurements, 70_029, "sparkify.load.files", m => (m.Instrument.Unit, m.Tags["sparkify.source"], m.Tags["sparkify.file.decision"])));
        Assert.Equal(("{record}", "songs"), Only(measurements, 70_071, "sparkify.load.records", m => (m.Instrument.Unit, m.Tags["sparkify.source"])));
        Assert.Equal(("{record}", "songs"), Only(measurements, 70_003, "sparkify.load.rejects", m => (m.Instrument.Unit, m.Tags["sparkify.source"])));
        Assert.Equal(("s", "transform"), Only(measurements, 70.25, "sparkify.load.phase.duration", m => (m.Instrument.Unit, m.Tags["sparkify.load.phase"])));
        Assert.Equal(("s", "failed"), Only(measurements, 71.5, "sparkify.load.duration", m => (m.Instrument.Unit, m.Tags["sparkify.load.outcome"])));

        Assert.All(measurements, m => Assert.False(string.IsNullOrWhiteSpace(m.Instrument.Description)));
        Assert.IsType<Counter<long>>(measurements.First(m => m.Instrument.Name == "sparkify.load.files").Instrument);
        Assert.IsType<Histogram<double>>(measurements.First(m => m.Instrument.Name == "sparkify.load.duration").Instrument);
        Assert.All(measurements, m => Assert.DoesNotContain(m.Tags.Keys, key => key == WarehouseTelemetry.RunIdTag));
    }

    [Fact]
    public async Task A_real_load_reports_its_span_its_phases_and_its_files_records_and_duration()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WarehouseTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(activities);
        var measurements = new ConcurrentQueue<(Instrument Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meters = ListenToMeter(measurements);

        // Three days no other test loads on their own, so the event count is this load's.
        var events = Directory.CreateTempSubdirectory("sparkify-telemetry-").FullName;
        int[] days = [2, 9, 23];
        foreach (var day in days)
        {
            File.Copy(SampleBatches.LogFile(day), Path.Combine(events, Path.GetFileName(SampleBatches.LogFile(day))));
        }

        try
        {
            var connectionString = await MigratedDatabaseFixture.CreateAsync("telemetry");
            var result = await WarehouseDb.Loader(connectionString).LoadAsync(new LoadRequest { SongsSource = TestEnvironment.SampleSongs, EventsSource = events });

            var expectedEvents = days.Sum(day => SampleRecords.Instance.EventsOfDay(day).Count);
            Assert.Equal(expectedEvents, result.EventsStaged);
            var mine = stopped.Where(a => Equals(a.GetTagItem(WarehouseTelemetry.RunIdTag), result.RunId.ToString("D"))).ToList();
            var root = Assert.Single(mine, a => a.OperationName == "sparkify.load");
            Assert.Equal(ActivityStatusCode.Ok, root.Status);
            var children = mine.Where(a => a != root).ToList();
            Assert.Equal(["sparkify.load.listing", "sparkify.load.staging", "sparkify.load.transform", "sparkify.load.commit"], children.Select(a => a.OperationName));
            Assert.All(children, child => Assert.Equal(root.SpanId, child.ParentSpanId));

            Assert.Contains(measurements, m => m.Instrument.Name == "sparkify.load.records" && m.Value == expectedEvents && Equals(m.Tags["sparkify.source"], "events"));
            Assert.Contains(measurements, m => m.Instrument.Name == "sparkify.load.files" && m.Value == days.Length && Equals(m.Tags["sparkify.source"], "events") && Equals(m.Tags["sparkify.file.decision"], "read"));
            Assert.Contains(measurements, m => m.Instrument.Name == "sparkify.load.duration" && Equals(m.Tags["sparkify.load.outcome"], "succeeded"));
            foreach (var phase in new[] { "listing", "staging", "transform", "commit" })
            {
                Assert.Contains(measurements, m => m.Instrument.Name == "sparkify.load.phase.duration" && Equals(m.Tags["sparkify.load.phase"], phase));
            }
        }
        finally
        {
            Directory.Delete(events, recursive: true);
        }
    }

    /// <summary>A started listener that puts every measurement of the library's instruments into <paramref name="measurements"/>.</summary>
    private static MeterListener ListenToMeter(ConcurrentQueue<(Instrument Instrument, double Value, Dictionary<string, object?> Tags)> measurements)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WarehouseTelemetry.SourceName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument, value, ToDictionary(tags))));
        listener.Start();
        return listener;
    }

    private static T Only<T>(IEnumerable<(Instrument Instrument, double Value, Dictionary<string, object?> Tags)> measurements, double value, string name, Func<(Instrument Instrument, double Value, Dictionary<string, object?> Tags), T> select)
        => select(Assert.Single(measurements, m => m.Value == value && m.Instrument.Name == name));

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value;
        }

        return dictionary;
    }
}
