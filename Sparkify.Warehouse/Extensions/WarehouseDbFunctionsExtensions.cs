// ReSharper disable once CheckNamespace — declared here so EF.Functions finds it without a using.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Warehouse functions for LINQ queries, reached through <see cref="EF.Functions"/>.</summary>
public static class WarehouseDbFunctionsExtensions
{
    /// <summary>
    /// Makes text sort by Unicode code point (binary UTF-8 order), whatever the database's collation:
    /// the order Redshift always uses and the one the analyst queries promise. On PostgreSQL it
    /// translates to <c>value COLLATE "C"</c>; on Redshift, which has no <c>COLLATE</c> clause and
    /// compares text bytewise anyway, to <c>value</c> itself.
    /// </summary>
    /// <remarks>
    /// Only meaningful inside a query against a context configured with <c>UseWarehouse</c>. NULL
    /// stays NULL, so it sorts last in ascending order on both targets. See
    /// <see href="https://docs.aws.amazon.com/redshift/latest/dg/r_ORDER_BY_clause.html">ORDER BY (Redshift)</see>.
    /// </remarks>
    /// <example>
    /// <code>
    /// var artists = await context.Artists
    ///     .OrderBy(a => EF.Functions.CodePointOrder(a.Name))
    ///     .ToListAsync();
    /// </code>
    /// </example>
    /// <param name="functions">The <see cref="EF.Functions"/> instance.</param>
    /// <param name="value">The text to order by.</param>
    /// <returns>The same text, for use in <c>OrderBy</c>/<c>ThenBy</c>.</returns>
    /// <exception cref="InvalidOperationException">Always, when called outside a database query.</exception>
    public static string? CodePointOrder(this DbFunctions functions, string? value)
        => throw new InvalidOperationException(
            $"{nameof(CodePointOrder)} is translated to SQL by the warehouse and cannot run on the client; use it inside a LINQ query over a WarehouseDbContext.");

    /// <summary>The method the translator recognises.</summary>
    internal static System.Reflection.MethodInfo CodePointOrderMethod { get; } =
        typeof(WarehouseDbFunctionsExtensions).GetMethod(nameof(CodePointOrder), [typeof(DbFunctions), typeof(string)])!;
}
