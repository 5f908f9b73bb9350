using System.Text.RegularExpressions;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// A Redshift load writes its ledger rows with multi-row <c>INSERT ... VALUES</c> and deletes re-read
/// files' rows with an <c>IN</c> list, one row (or URI) per file; the plan shows the one-row form. This
/// cuts a sent statement down to that form, so a run's statements compare with the plan's.
/// </summary>
internal static partial class LedgerBatches
{
    public static string FirstRowOnly(string sql)
        => sql.StartsWith("INSERT INTO load_files ", StringComparison.Ordinal) ? FurtherRows().Replace(sql, "")
            : sql.StartsWith("DELETE FROM load_files WHERE uri IN (", StringComparison.Ordinal) ? FurtherUris().Replace(sql, ")")
            : sql;

    [GeneratedRegex(@"(?<=\)),\n\(.*\z", RegexOptions.Singleline)]
    private static partial Regex FurtherRows();

    [GeneratedRegex(@", [^)]*\)\z")]
    private static partial Regex FurtherUris();
}
