using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sparkify.Warehouse.Tests.Design;

/// <summary>
/// A model of how <c>DISTSTYLE KEY</c> spreads a table over a cluster's slices, to compare candidate
/// distribution keys on real data. Redshift's own hash function is not published, so the model uses
/// its own: a value's slice is the first four bytes of the SHA-256 of its text (as PostgreSQL prints
/// it, UTF-8), read big-endian, modulo the slice count. What the model keeps from Redshift is what
/// decides skew: equal values share a slice, distinct values spread as a good hash spreads them, and
/// every NULL lands on one slice (here slice 0).
/// </summary>
internal static class SliceModel
{
    /// <summary>The slice the model puts a row with distribution key <paramref name="value"/> on (null: SQL NULL).</summary>
    public static int SliceOf(string? value, int slices)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slices);
        if (value is null)
        {
            return 0;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)slices);
    }

    /// <summary>Rows per slice when a table whose key column holds <paramref name="values"/> is distributed on it.</summary>
    public static long[] RowsPerSlice(IEnumerable<string?> values, int slices)
    {
        var rows = new long[slices];
        foreach (var value in values)
        {
            rows[SliceOf(value, slices)]++;
        }

        return rows;
    }

    /// <summary>The skew figures of one key column on a cluster of <paramref name="slices"/> slices.</summary>
    public static KeySkew Measure(IReadOnlyCollection<string?> values, int slices)
    {
        var rows = RowsPerSlice(values, slices);
        return new KeySkew(
            Rows: values.Count,
            Nulls: values.Count(v => v is null),
            Distinct: values.Where(v => v is not null).Distinct(StringComparer.Ordinal).Count(),
            Slices: slices,
            MaxSliceRows: rows.Max());
    }
}

/// <summary>How one candidate key spreads a table: the fullest slice against the mean.</summary>
internal sealed record KeySkew(int Rows, int Nulls, int Distinct, int Slices, long MaxSliceRows)
{
    /// <summary>Rows per slice if the table were spread perfectly.</summary>
    public double MeanSliceRows => (double)Rows / Slices;

    /// <summary>Fullest slice / mean: 1 is perfect; a query over the table takes as long as its fullest slice.</summary>
    public double MaxOverMean => Rows == 0 ? 0 : MaxSliceRows / MeanSliceRows;

    /// <summary>The share of rows whose key is NULL, all of which the hash puts on one slice.</summary>
    public double NullShare => Rows == 0 ? 0 : (double)Nulls / Rows;
}
