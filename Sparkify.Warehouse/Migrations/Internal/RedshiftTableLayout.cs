using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Sparkify.Warehouse.Metadata;

namespace Sparkify.Warehouse.Migrations.Internal;

/// <summary>
/// Renders an entity type's Redshift annotations as the <c>ALTER TABLE</c> statements a migration
/// carries as raw SQL; tests hold the migrations to what the model says.
/// </summary>
internal static class RedshiftTableLayout
{
    public static IReadOnlyList<string> AlterStatements(IEntityType entityType)
    {
        var tableName = entityType.GetTableName() ?? throw new InvalidOperationException($"{entityType.DisplayName()} is not mapped to a table.");
        var table = StoreObjectIdentifier.Table(tableName, entityType.GetSchema());
        var statements = new List<string>();
        var prefix = $"ALTER TABLE {Quote(tableName)} ALTER ";

        switch (entityType.GetDistStyle())
        {
            case RedshiftDistStyle.Key:
                var distKey = entityType.GetDistKey() ?? throw new InvalidOperationException($"{tableName} has DISTSTYLE KEY but no distribution key.");
                statements.Add(prefix + "DISTSTYLE KEY DISTKEY " + Quote(Column(entityType, table, distKey)));
                break;
            case RedshiftDistStyle.All:
                statements.Add(prefix + "DISTSTYLE ALL");
                break;
            case RedshiftDistStyle.Even:
                statements.Add(prefix + "DISTSTYLE EVEN");
                break;
        }

        if (entityType.GetSortKey() is { Count: > 0 } sortKey)
        {
            statements.Add(prefix + "COMPOUND SORTKEY (" + string.Join(", ", sortKey.Select(p => Quote(Column(entityType, table, p)))) + ")");
        }

        return statements;
    }

    private static string Column(IEntityType entityType, StoreObjectIdentifier table, string propertyName)
        => entityType.FindProperty(propertyName)?.GetColumnName(table)
            ?? throw new InvalidOperationException($"{entityType.DisplayName()}.{propertyName} is not mapped to a column of {table.Name}.");

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
