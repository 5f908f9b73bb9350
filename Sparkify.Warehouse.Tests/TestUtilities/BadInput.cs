using System.Text;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// One event log mixing good lines with each kind of bad line a load must reject or skip, written to a temporary
/// folder, with what a load must make of each line.
/// </summary>
internal static class BadInput
{
    public const string FileName = "2018-11-30-bad.json";

    /// <summary>The lines that must be rejected: 1-based line, column (null for whole-record problems) and a reason fragment.</summary>
    public static IReadOnlyList<(long Line, string? Column, string ReasonFragment)> Rejected { get; } =
    [
        (2, null, "malformed JSON"),
        (3, null, "not a JSON object"),
        (4, null, "not a JSON object"),
        (5, "ts", "cannot convert"),
        (6, "session_id", "cannot convert"),
        (7, "gender", "longer than"),
        (8, "item_in_session", "cannot convert"),
    ];

    /// <summary>How many lines stage (the good and the leniently converted ones).</summary>
    public const int Loaded = 4;

    public static string Write()
    {
        var folder = Directory.CreateTempSubdirectory("sparkify-bad-").FullName;
        var lines = new[]
        {
            Event("good-1"),
            """{"artist": "truncated""",
            """[1, 2, 3]""",
            "42",
            Event("bad-ts").Replace("\"ts\":1541105830796", "\"ts\":\"abc\"", StringComparison.Ordinal),
            Event("bad-session").Replace("\"sessionId\":139", "\"sessionId\":1.5", StringComparison.Ordinal),
            Event("too-long").Replace("\"gender\":\"M\"", $"\"gender\":\"{new string('M', 100)}\"", StringComparison.Ordinal),
            Event("overflow").Replace("\"itemInSession\":2", "\"itemInSession\":99999999999", StringComparison.Ordinal),
            "",
            Event("numeric-string-ts").Replace("\"ts\":1541105830796", "\"ts\":\"1541105830796\"", StringComparison.Ordinal),
            Event("empty-length").Replace("\"length\":228.5", "\"length\":\"\"", StringComparison.Ordinal),
            Event("missing-location").Replace("\"location\":\"Tampa, FL\",", "", StringComparison.Ordinal),
        };
        File.WriteAllText(Path.Combine(folder, FileName), string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        return folder;
    }

    /// <summary>A valid NextSong event whose user agent names it, so a test can find its staged row.</summary>
    private static string Event(string name)
        => "{\"artist\":\"Des'ree\",\"auth\":\"Logged In\",\"firstName\":\"Kaylee\",\"gender\":\"M\",\"itemInSession\":2," +
           "\"lastName\":\"Summers\",\"length\":228.5,\"level\":\"free\",\"location\":\"Tampa, FL\",\"method\":\"PUT\"," +
           "\"page\":\"NextSong\",\"registration\":1540344794796.0,\"sessionId\":139,\"song\":\"You Gotta Be\",\"status\":200," +
           $"\"ts\":1541105830796,\"userAgent\":\"{name}\",\"userId\":\"8\"}}";
}
