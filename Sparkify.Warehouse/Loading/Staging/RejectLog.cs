using System.Text;
using Sparkify.Warehouse.Configuration;
using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Loading.Staging;

/// <summary>
/// The records one load rejected, as <see cref="LoadError"/> rows ready for <c>load_errors</c>, and the
/// <c>--max-errors</c> budget they are counted against: staging stops as soon as the budget is exceeded
/// (the load fails then anyway), so the log holds at most <c>maxErrors + 1</c> rows.
/// </summary>
/// <param name="runId">The run the rejects belong to.</param>
/// <param name="maxErrors">How many rejects the load tolerates (Redshift's <c>MAXERROR</c>).</param>
internal sealed class RejectLog(Guid runId, int maxErrors)
{
    private readonly List<LoadError> _errors = [];

    public Guid RunId => runId;

    public int MaxErrors => maxErrors;

    public IReadOnlyList<LoadError> Errors => _errors;

    public int Count => _errors.Count;

    /// <summary>More rejects than the load tolerates: it must fail.</summary>
    public bool LimitExceeded => _errors.Count > maxErrors;

    /// <summary>
    /// The rejects of <paramref name="first"/> then those of <paramref name="second"/>, cut at the budget
    /// (<c>maxErrors + 1</c> rows): what one log would hold had the two COPYs run in that order on it, so
    /// the COPYs may run in another order, each against the whole budget, and still report the same.
    /// </summary>
    public static RejectLog Concat(RejectLog first, RejectLog second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var log = new RejectLog(first.RunId, first.MaxErrors);
        log._errors.AddRange(first._errors.Concat(second._errors).Take(first.MaxErrors + 1));
        return log;
    }

    /// <summary>Records a reject another log has already shaped (one of a file's parts parsed apart).</summary>
    public void Add(LoadError error) => _errors.Add(error);

    /// <summary>Records a reject; the texts are cut to their <c>load_errors</c> column lengths.</summary>
    /// <param name="source">The file path or S3 URI.</param>
    /// <param name="lineNumber">1-based line where the record starts.</param>
    /// <param name="columnName">The column that failed, if known.</param>
    /// <param name="reason">Why the record was rejected.</param>
    /// <param name="raw">The raw record bytes; kept up to 1 KB, without trailing whitespace (a CRLF line's CR).</param>
    public void Add(string source, long lineNumber, string? columnName, string reason, ReadOnlySpan<byte> raw)
    {
        _errors.Add(new LoadError
        {
            RunId = runId,
            Source = Utf8Text.Truncate(source, ColumnLengths.Source),
            LineNumber = lineNumber,
            ColumnName = columnName,
            Reason = Utf8Text.Truncate(reason, ColumnLengths.Text),
            RawLine = Utf8Text.FromRaw(raw.TrimEnd(" \t\r\n"u8), ColumnLengths.RawLine),
        });
    }
}

/// <summary>Text for columns whose length Redshift counts in bytes.</summary>
internal static class Utf8Text
{
    /// <summary>
    /// Decodes raw input for display and storage: invalid UTF-8 becomes U+FFFD and NUL (which neither
    /// PostgreSQL nor Redshift text can hold) too; the result is at most <paramref name="maxBytes"/> in UTF-8.
    /// </summary>
    public static string FromRaw(ReadOnlySpan<byte> raw, int maxBytes)
    {
        var text = Encoding.UTF8.GetString(raw.Length > maxBytes ? raw[..maxBytes] : raw).Replace('\0', '\uFFFD');
        return Truncate(text, maxBytes);
    }

    /// <summary>The longest prefix of <paramref name="text"/> that fits in <paramref name="maxBytes"/> UTF-8 bytes, never splitting a character.</summary>
    public static string Truncate(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var i = 0;
        while (i < text.Length)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(i, width));
            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            i += width;
        }

        return text[..i];
    }
}
