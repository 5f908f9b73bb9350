using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sparkify.Warehouse.Telemetry;

/// <summary>
/// The names under which the warehouse reports traces and metrics. A load is one
/// <see cref="ActivitySource"/> span with a child span per phase (listing, staging, transform, commit),
/// each tagged with the run id; counters and histograms count files, records and rejects and time loads.
/// With OpenTelemetry: <c>.WithTracing(t => t.AddSource(WarehouseTelemetry.SourceName))</c> and
/// <c>.WithMetrics(m => m.AddMeter(WarehouseTelemetry.SourceName))</c>.
/// </summary>
public static class WarehouseTelemetry
{
    /// <summary>The name of both the <see cref="ActivitySource"/> and the <see cref="Meter"/>: <c>Sparkify.Warehouse</c>.</summary>
    public const string SourceName = "Sparkify.Warehouse";

    /// <summary>The span of one load; its phases are child spans named <c>sparkify.load.&lt;phase&gt;</c>.</summary>
    public const string LoadSpanName = "sparkify.load";

    /// <summary>The tag on every load and phase span that carries the run id (<c>load_runs.run_id</c>).</summary>
    public const string RunIdTag = "sparkify.run_id";
}

/// <summary>The phases of a load that get their own span.</summary>
internal enum LoadPhase
{
    /// <summary>Listing the sources and choosing the files to read.</summary>
    Listing,

    /// <summary>Reading files into the staging tables.</summary>
    Staging,

    /// <summary>Deriving the star tables from staging.</summary>
    Transform,

    /// <summary>Recording the run and committing.</summary>
    Commit,
}

/// <summary>Which input a measurement is about, the <c>sparkify.source</c> tag.</summary>
internal enum TelemetrySource
{
    /// <summary>Song data.</summary>
    Songs,

    /// <summary>Event logs.</summary>
    Events,
}

/// <summary>
/// The instruments behind <see cref="WarehouseTelemetry"/>. Metric tags are low-cardinality (source,
/// file decision, outcome, phase); the run id is only on spans, where one value per load belongs.
/// </summary>
internal static class LoadTelemetry
{
    public const string SourceTag = "sparkify.source";
    public const string FileDecisionTag = "sparkify.file.decision";
    public const string OutcomeTag = "sparkify.load.outcome";
    public const string PhaseTag = "sparkify.load.phase";

    private static readonly string? Version = typeof(LoadTelemetry).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource ActivitySource = new(WarehouseTelemetry.SourceName, Version);

    public static readonly Meter Meter = new(WarehouseTelemetry.SourceName, Version);

    private static readonly Counter<long> Files = Meter.CreateCounter<long>(
        "sparkify.load.files", "{file}", "Input files a load listed, by source and by decision: read or skipped (already in the ledger, unchanged).");

    private static readonly Counter<long> Records = Meter.CreateCounter<long>(
        "sparkify.load.records", "{record}", "Records staged, by source.");

    private static readonly Counter<long> Rejects = Meter.CreateCounter<long>(
        "sparkify.load.rejects", "{record}", "Records rejected into load_errors, by source.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "sparkify.load.duration", "s", "Wall-clock time of a load, by outcome (succeeded or failed).");

    private static readonly Histogram<double> PhaseDuration = Meter.CreateHistogram<double>(
        "sparkify.load.phase.duration", "s", "Wall-clock time of a load's phase, by phase.");

    /// <summary>Starts the span of a load (null when nobody listens); dispose it when the load ends.</summary>
    public static Activity? StartLoad(Guid runId)
        => ActivitySource.StartActivity(WarehouseTelemetry.LoadSpanName, ActivityKind.Internal)?.SetTag(WarehouseTelemetry.RunIdTag, runId.ToString("D"));

    /// <summary>Starts the span of a phase, a child of the current (load) span.</summary>
    public static Activity? StartPhase(LoadPhase phase, Guid runId)
        => ActivitySource.StartActivity(SpanName(phase), ActivityKind.Internal)?.SetTag(WarehouseTelemetry.RunIdTag, runId.ToString("D"));

    /// <summary>The span name of <paramref name="phase"/>, e.g. <c>sparkify.load.staging</c>.</summary>
    public static string SpanName(LoadPhase phase) => WarehouseTelemetry.LoadSpanName + "." + TagValue(phase);

    /// <summary>Counts files listed for <paramref name="source"/>: those read and those skipped.</summary>
    public static void FilesListed(TelemetrySource source, long read, long skipped)
    {
        Files.Add(read, new(SourceTag, TagValue(source)), new(FileDecisionTag, "read"));
        Files.Add(skipped, new(SourceTag, TagValue(source)), new(FileDecisionTag, "skipped"));
    }

    /// <summary>Counts records staged and rejected for <paramref name="source"/>.</summary>
    public static void RecordsStaged(TelemetrySource source, long staged, long rejected)
    {
        Records.Add(staged, new KeyValuePair<string, object?>(SourceTag, TagValue(source)));
        Rejects.Add(rejected, new KeyValuePair<string, object?>(SourceTag, TagValue(source)));
    }

    /// <summary>Records how long a phase took.</summary>
    public static void PhaseEnded(LoadPhase phase, TimeSpan elapsed)
        => PhaseDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(PhaseTag, TagValue(phase)));

    /// <summary>Records how long a load took and whether it succeeded.</summary>
    public static void LoadEnded(bool succeeded, TimeSpan elapsed)
        => Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(OutcomeTag, succeeded ? "succeeded" : "failed"));

    private static string TagValue(LoadPhase phase) => phase switch
    {
        LoadPhase.Listing => "listing",
        LoadPhase.Staging => "staging",
        LoadPhase.Transform => "transform",
        _ => "commit",
    };

    private static string TagValue(TelemetrySource source) => source == TelemetrySource.Songs ? "songs" : "events";
}
