using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sparkify.Warehouse.Cli.Benchmarks;

/// <summary>One measured step: how long, how many rows, how many bytes of input.</summary>
internal sealed record BenchMeasurement(string Name, double Seconds, long Rows, long? Bytes)
{
    public double RowsPerSecond => Rows / Seconds;

    public double? MegabytesPerSecond => Bytes / 1048576.0 / Seconds;
}

/// <summary>The results of <c>sparkify bench</c>, printed as a table or as JSON for tracking.</summary>
internal sealed class BenchReport
{
    public int Events { get; init; }

    public int Songs { get; init; }

    public long Seed { get; init; }

    public int Runs { get; init; }

    public int Cores { get; } = Environment.ProcessorCount;

    public double? LoadAverageBefore { get; init; }

    public double? LoadAverageAfter { get; set; }

    public List<BenchMeasurement> Measurements { get; } = [];

    /// <summary>Where the (last) full load spent its time, by the loader's phases.</summary>
    public string? LoadPhases { get; set; }

    /// <summary>Where the (last) full load of the one-file layout spent its time.</summary>
    public string? OneFileLoadPhases { get; set; }

    /// <summary>The server the measurements ran on, as the table's heading names it.</summary>
    public string? Server { get; init; }

    /// <summary>Full load (30 daily files) over the lean reference pipeline; the target is at most 0.5.</summary>
    public double? LoadToReference { get; set; }

    /// <summary>Full load (one large file) over the lean reference pipeline; the target is at most 0.5.</summary>
    public double? OneFileLoadToReference { get; set; }

    /// <summary>One more day, as a whole process right after the full load, over its proportional share of the full load; the target is at most 2.</summary>
    public double? IncrementalToProportional { get; set; }

    /// <summary>The day after that, as a process right after the one before, over its proportional share; the target is at most 2.</summary>
    public double? DayAfterToProportional { get; set; }

    /// <summary>One more day as a <c>sparkify load</c> process over the same day loaded by the lean reference as a psql process; no target.</summary>
    public double? IncrementalToReferenceDay { get; set; }

    /// <summary>The day after as a <c>sparkify load</c> process over the lean reference's psql process; no target.</summary>
    public double? DayAfterToReferenceDay { get; set; }

    /// <summary>
    /// One more day's own statements (its plan's transaction, the rows handed over parsed) as a psql process right
    /// after a full load, over the day's share: the server's floor, which no client goes below; no target.
    /// </summary>
    public double? NextDayPlanToProportional { get; set; }

    /// <summary>The day after's own statements as a psql process, over its share; no target.</summary>
    public double? DayAfterPlanToProportional { get; set; }

    /// <summary>One more day as a <c>sparkify load</c> process over its own statements as a psql process; no target.</summary>
    public double? IncrementalToNextDayPlan { get; set; }

    /// <summary>Whether the load's warehouse and the one its days' statements went to by psql ended with the same star tables.</summary>
    public bool? DayPlansStarTablesIdentical { get; set; }

    /// <summary>Whether the load's warehouse and the lean reference's ended with the same star tables after their two days.</summary>
    public bool? DaysStarTablesIdentical { get; set; }

    /// <summary>CPU seconds (user + system) of the one-more-day process (median); the database server's CPU is not in it.</summary>
    public double? NextDayCpuSeconds { get; set; }

    /// <summary>CPU seconds of the day-after process (median).</summary>
    public double? DayAfterCpuSeconds { get; set; }

    /// <summary>One more day by a process pointed at the log prefix holding 30 loaded days, over the same day's file named alone; the target is at most 1.2.</summary>
    public double? DayOverPrefixToNamed { get; set; }

    /// <summary>CPU seconds of the process pointed at the grown prefix (median).</summary>
    public double? DayOverPrefixCpuSeconds { get; set; }

    /// <summary>CPU seconds of the process given the day's file alone (median).</summary>
    public double? DayNamedAloneCpuSeconds { get; set; }

    /// <summary>Whether the warehouse grown over the prefix and the one given the file alone ended with the same star tables.</summary>
    public bool? PrefixWarehousesIdentical { get; set; }

    /// <summary>Song files staged per second from a local folder; the target is at least 5,000.</summary>
    public double? SongFilesPerSecond { get; set; }

    /// <summary>Peak RSS of a separate <c>sparkify load</c> process; the target is at most 150 MB.</summary>
    public double? PeakLoadRssMegabytes { get; set; }

    /// <summary>Each analyst helper against hand-written SQL; the target is at most 1.2 for every one.</summary>
    public List<BenchQueries.Result> Queries { get; } = [];

    /// <summary>Each <c>sparkify query</c> process against its SQL in psql; the target is max(1.3 × psql, psql + 0.25 s) for every one.</summary>
    public List<QueryProcesses.Result> QueryProcesses { get; } = [];

    /// <summary>How many <c>sparkify query</c> processes met their target.</summary>
    public int? QueryProcessesMet => QueryProcesses.Count == 0 ? null : QueryProcesses.Count(q => q.Met);

    /// <summary>The <c>sparkify check</c> process against its statements in psql; the target is at most 1.5 times psql.</summary>
    public QueryProcesses.Result? CheckProcess { get; set; }

    /// <summary><c>sparkify check</c> as a process over its statements in psql.</summary>
    public double? CheckToPsql => CheckProcess is { } check ? check.SparkifySeconds / check.PsqlSeconds : null;

    /// <summary>The slowest helper relative to its hand-written SQL.</summary>
    public double? WorstQueryRatio => Queries.Count == 0 ? null : Queries.Max(q => q.Ratio);

    /// <summary>Whether the load and the reference pipeline produced the same star tables (songplay ids aside).</summary>
    public bool? StarTablesIdentical { get; set; }

    /// <summary>Whether the loads of the two layouts produced the same star tables (songplay ids aside).</summary>
    public bool? LayoutsIdentical { get; set; }

    public void Add(string name, double seconds, long rows, long? bytes) => Measurements.Add(new(name, seconds, rows, bytes));

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Several servers' reports as one JSON array.</summary>
    public static string ToJson(IReadOnlyList<BenchReport> reports) => JsonSerializer.Serialize(reports, JsonOptions);

    public async Task WriteTableAsync(TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        var nameWidth = Math.Max(12, Measurements.Count == 0 ? 0 : Measurements.Max(m => m.Name.Length));
        await output.WriteLineAsync(string.Create(culture, $"sparkify bench: {Events:N0} events, {Songs:N0} songs, seed {Seed}, {Runs} paired run(s); {Cores} cores, load average {LoadAverageBefore:0.00} before, {LoadAverageAfter:0.00} after{(Server is null ? "" : "; server: " + Server)}")).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"{"measurement".PadRight(nameWidth)}  {"seconds",9}  {"rows",11}  {"rows/s",11}  {"MB/s",8}").ConfigureAwait(false);
        await output.WriteLineAsync(new string('-', nameWidth + 49)).ConfigureAwait(false);
        foreach (var m in Measurements)
        {
            var mbps = m.MegabytesPerSecond is { } v ? v.ToString("0.0", culture) : "";
            await output.WriteLineAsync(string.Create(culture, $"{m.Name.PadRight(nameWidth)}  {m.Seconds,9:0.00}  {m.Rows,11:N0}  {m.RowsPerSecond,11:N0}  {mbps,8}")).ConfigureAwait(false);
        }

        if (LoadPhases is not null)
        {
            await output.WriteLineAsync($"  full load phases: {LoadPhases}").ConfigureAwait(false);
        }

        if (OneFileLoadPhases is not null)
        {
            await output.WriteLineAsync($"  one-file load phases: {OneFileLoadPhases}").ConfigureAwait(false);
        }

        if (NextDayCpuSeconds is not null || DayOverPrefixCpuSeconds is not null)
        {
            var parts = new List<string>();
            AddCpu(parts, "one more day", NextDayCpuSeconds);
            AddCpu(parts, "the day after", DayAfterCpuSeconds);
            AddCpu(parts, "over the prefix", DayOverPrefixCpuSeconds);
            AddCpu(parts, "named alone", DayNamedAloneCpuSeconds);
            await output.WriteLineAsync($"  CPU of the day processes (user + system, the server's not included): {string.Join(", ", parts)}").ConfigureAwait(false);
        }

        if (Queries.Count > 0)
        {
            var queryWidth = Queries.Max(q => q.Name.Length);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"{"analyst helper".PadRight(queryWidth)}  {"helper ms",9}  {"SQL ms",9}  {"ratio",6}").ConfigureAwait(false);
            await output.WriteLineAsync(new string('-', queryWidth + 32)).ConfigureAwait(false);
            foreach (var q in Queries)
            {
                await output.WriteLineAsync(string.Create(culture, $"{q.Name.PadRight(queryWidth)}  {q.HelperSeconds * 1000,9:0.0}  {q.HandSeconds * 1000,9:0.0}  {q.Ratio,6:0.00}")).ConfigureAwait(false);
            }
        }

        List<(string Label, QueryProcesses.Result Result)> processes =
        [
            .. QueryProcesses.Select(q => ($"query {q.Name}", q)),
            .. CheckProcess is { } checkProcess ? [("check", checkProcess)] : Array.Empty<(string, QueryProcesses.Result)>(),
        ];
        if (processes.Count > 0)
        {
            var labelWidth = Math.Max("'sparkify' process".Length, processes.Max(p => p.Label.Length));
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"{"'sparkify' process".PadRight(labelWidth)}  {"psql s",7}  {"sparkify s",10}  {"CPU s",6}  {"target s",8}").ConfigureAwait(false);
            await output.WriteLineAsync(new string('-', labelWidth + 47)).ConfigureAwait(false);
            foreach (var (label, q) in processes)
            {
                await output.WriteLineAsync(string.Create(culture, $"{label.PadRight(labelWidth)}  {q.PsqlSeconds,7:0.000}  {q.SparkifySeconds,10:0.000}  {q.SparkifyCpuSeconds,6:0.00}  {q.TargetSeconds,8:0.000}  {(q.Met ? "met" : "missed")}")).ConfigureAwait(false);
            }
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        await WriteRatioAsync(output, "load (30 files) / lean reference", LoadToReference, "0.00", "target <= 0.50").ConfigureAwait(false);
        await WriteRatioAsync(output, "load (one file) / lean reference", OneFileLoadToReference, "0.00", "target <= 0.50").ConfigureAwait(false);
        await WriteRatioAsync(output, "one more day (process) / its share", IncrementalToProportional, "0.00", "target <= 2.00").ConfigureAwait(false);
        await WriteRatioAsync(output, "the day after (process) / its share", DayAfterToProportional, "0.00", "target <= 2.00").ConfigureAwait(false);
        await WriteRatioAsync(output, "one more day's SQL in psql / its share", NextDayPlanToProportional, "0.00", "no target: the server's floor").ConfigureAwait(false);
        await WriteRatioAsync(output, "the day after's SQL in psql / its share", DayAfterPlanToProportional, "0.00", "no target").ConfigureAwait(false);
        await WriteRatioAsync(output, "one more day / its SQL in psql", IncrementalToNextDayPlan, "0.00", "no target").ConfigureAwait(false);
        await WriteRatioAsync(output, "one more day / the lean reference's (psql)", IncrementalToReferenceDay, "0.00", "no target").ConfigureAwait(false);
        await WriteRatioAsync(output, "the day after / the lean reference's (psql)", DayAfterToReferenceDay, "0.00", "no target").ConfigureAwait(false);
        await WriteRatioAsync(output, "day over 30-day prefix / day named alone", DayOverPrefixToNamed, "0.00", "target <= 1.20").ConfigureAwait(false);
        await WriteRatioAsync(output, "song files staged per second", SongFilesPerSecond, "N0", "target >= 5,000").ConfigureAwait(false);
        await WriteRatioAsync(output, "peak RSS of 'sparkify load' (MB)", PeakLoadRssMegabytes, "0", "target <= 150").ConfigureAwait(false);
        await WriteRatioAsync(output, "slowest analyst helper / hand-written SQL", WorstQueryRatio, "0.00", "target <= 1.20").ConfigureAwait(false);
        if (QueryProcessesMet is { } met)
        {
            await output.WriteLineAsync($"{"'sparkify query' processes within target:",-44} {met,4} of {QueryProcesses.Count}   (max(1.3 x psql, psql + 0.25 s) each)").ConfigureAwait(false);
        }

        await WriteRatioAsync(output, "'sparkify check' process / its SQL in psql", CheckToPsql, "0.00", "target <= 1.50").ConfigureAwait(false);

        if (StarTablesIdentical is { } same)
        {
            await output.WriteLineAsync($"star tables of load and reference identical: {(same ? "yes" : "NO")}").ConfigureAwait(false);
        }

        if (LayoutsIdentical is { } sameLayouts)
        {
            await output.WriteLineAsync($"star tables of the two layouts identical: {(sameLayouts ? "yes" : "NO")}").ConfigureAwait(false);
        }

        if (DaysStarTablesIdentical is { } sameDays)
        {
            await output.WriteLineAsync($"star tables of load and reference identical after their two days: {(sameDays ? "yes" : "NO")}").ConfigureAwait(false);
        }

        if (DayPlansStarTablesIdentical is { } samePlans)
        {
            await output.WriteLineAsync($"star tables after the days by the load and by their statements in psql identical: {(samePlans ? "yes" : "NO")}").ConfigureAwait(false);
        }

        if (PrefixWarehousesIdentical is { } samePrefix)
        {
            await output.WriteLineAsync($"star tables after the day over the prefix and named alone identical: {(samePrefix ? "yes" : "NO")}").ConfigureAwait(false);
        }
    }

    private static void AddCpu(List<string> parts, string name, double? cpuSeconds)
    {
        if (cpuSeconds is { } seconds)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {seconds:0.00} s"));
        }
    }

    private static async Task WriteRatioAsync(TextWriter output, string name, double? value, string format, string target)
    {
        if (value is { } v)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{name + ":",-44} {v.ToString(format, CultureInfo.InvariantCulture),8}   ({target})")).ConfigureAwait(false);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,

        // The output is read by people and tracking scripts, never embedded in HTML: keep "+" and "\" as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
