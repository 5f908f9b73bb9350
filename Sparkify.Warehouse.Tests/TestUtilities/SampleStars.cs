namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>The star tables the real sample derives to (by the test oracle), computed once per run.</summary>
internal static class SampleStars
{
    private static readonly Lazy<Star> AllDays = new(() => Oracle.Derive(SampleRecords.Instance.Events, SampleRecords.Instance.Songs));
    private static readonly Lazy<Star> FirstHalf = new(() => Oracle.Derive(SampleRecords.Instance.EarlierDays, SampleRecords.Instance.Songs));

    /// <summary>Every log file and song file.</summary>
    public static Star Full => AllDays.Value;

    /// <summary>Every song file and the logs of 1–15 November (what <c>SampleBatches.SplitLogDays(15).Earlier</c> holds).</summary>
    public static Star EarlierDays => FirstHalf.Value;
}
