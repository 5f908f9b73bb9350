using static Sparkify.Warehouse.Tests.Loading.StarSchemaTransformTests;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>The star tables SPEC §3 derives from the real sample (by the test oracle), read once per run.</summary>
internal static class SampleStars
{
    private static readonly Lazy<Sample> Data = new(Sample.Read);
    private static readonly Lazy<Star> AllDays = new(() => Oracle.Derive(Data.Value.Events, Data.Value.Songs));
    private static readonly Lazy<Star> FirstHalf = new(() => Oracle.Derive(Data.Value.EarlierDays, Data.Value.Songs));

    /// <summary>Every log file and song file.</summary>
    public static Star Full => AllDays.Value;

    /// <summary>Every song file and the logs of 1–15 November (what <c>SampleBatches.SplitLogDays(15).Earlier</c> holds).</summary>
    public static Star EarlierDays => FirstHalf.Value;
}
