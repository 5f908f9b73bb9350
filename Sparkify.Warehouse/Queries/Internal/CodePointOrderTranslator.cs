using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Sparkify.Warehouse.Infrastructure.Internal;

namespace Sparkify.Warehouse.Queries.Internal;

/// <summary>
/// Translates <see cref="WarehouseDbFunctionsExtensions.CodePointOrder"/> for the context's target.
/// The choice has to be made at translation time: the same LINQ must give <c>COLLATE "C"</c> on a
/// PostgreSQL database with a locale collation, and nothing on Redshift, whose grammar has no
/// <c>COLLATE</c> clause but which compares text bytewise already.
/// </summary>
internal sealed class CodePointOrderTranslator(WarehouseProvider provider) : IMethodCallTranslator
{
    /// <summary>PostgreSQL's built-in collation that compares bytes, i.e. UTF-8 code points.</summary>
    internal const string PostgresBinaryCollation = "C";

    public SqlExpression? Translate(
        SqlExpression? instance,
        MethodInfo method,
        IReadOnlyList<SqlExpression> arguments,
        IDiagnosticsLogger<DbLoggerCategory.Query> logger)
    {
        if (method != WarehouseDbFunctionsExtensions.CodePointOrderMethod)
        {
            return null;
        }

        // arguments[0] is EF.Functions itself.
        var value = arguments[1];
        return provider == WarehouseProvider.Postgres ? new CollateExpression(value, PostgresBinaryCollation) : value;
    }
}

/// <summary>Registers the warehouse's method translators with EF's query pipeline (see <see cref="WarehouseOptionsExtension"/>).</summary>
internal sealed class WarehouseMethodCallTranslatorPlugin(IDbContextOptions options) : IMethodCallTranslatorPlugin
{
    public IEnumerable<IMethodCallTranslator> Translators { get; } =
    [
        new CodePointOrderTranslator(options.FindExtension<WarehouseOptionsExtension>()?.Provider ?? WarehouseProvider.Postgres),
    ];
}
