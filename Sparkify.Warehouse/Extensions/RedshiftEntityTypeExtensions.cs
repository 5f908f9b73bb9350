using Microsoft.EntityFrameworkCore.Metadata;
using Sparkify.Warehouse.Metadata;
using Sparkify.Warehouse.Metadata.Internal;

// ReSharper disable once CheckNamespace — declared here so it is found without a using.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Reads the Redshift table settings that <see cref="RedshiftEntityTypeBuilderExtensions"/> stores.</summary>
public static class RedshiftEntityTypeExtensions
{
    /// <summary>The table's distribution style; <see cref="RedshiftDistStyle.Auto"/> when not configured.</summary>
    /// <param name="entityType">The entity type.</param>
    /// <returns>The distribution style.</returns>
    public static RedshiftDistStyle GetDistStyle(this IReadOnlyEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        return entityType[SparkifyAnnotationNames.DistStyle] is RedshiftDistStyle style ? style : RedshiftDistStyle.Auto;
    }

    /// <summary>The name of the property mapped to the distribution key column, or null.</summary>
    /// <param name="entityType">The entity type.</param>
    /// <returns>The property name, or null.</returns>
    public static string? GetDistKey(this IReadOnlyEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        return entityType[SparkifyAnnotationNames.DistKey] as string;
    }

    /// <summary>The names of the properties mapped to the compound sort key columns, in order; empty when none.</summary>
    /// <param name="entityType">The entity type.</param>
    /// <returns>The property names.</returns>
    public static IReadOnlyList<string> GetSortKey(this IReadOnlyEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        return entityType[SparkifyAnnotationNames.SortKey] is string keys ? keys.Split(',') : [];
    }
}
