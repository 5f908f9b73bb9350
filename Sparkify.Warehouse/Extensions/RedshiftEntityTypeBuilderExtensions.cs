using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Sparkify.Warehouse.Metadata;
using Sparkify.Warehouse.Metadata.Internal;

// ReSharper disable once CheckNamespace — declared here so model configuration finds it without a using.
namespace Microsoft.EntityFrameworkCore;

/// <summary>
/// Fluent configuration of Amazon Redshift table settings (distribution and sort keys). The settings
/// are stored as model annotations; PostgreSQL ignores them, and the Redshift migrations apply them.
/// </summary>
/// <remarks>See <see href="https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html">CREATE TABLE</see>.</remarks>
public static class RedshiftEntityTypeBuilderExtensions
{
    /// <summary>Sets the table's <c>DISTSTYLE</c>.</summary>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="distStyle">The distribution style.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static EntityTypeBuilder HasDistStyle(this EntityTypeBuilder builder, RedshiftDistStyle distStyle)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (distStyle != RedshiftDistStyle.Key)
        {
            builder.Metadata.RemoveAnnotation(SparkifyAnnotationNames.DistKey);
        }

        builder.Metadata.SetAnnotation(SparkifyAnnotationNames.DistStyle, distStyle);
        return builder;
    }

    /// <summary>Sets the table's <c>DISTSTYLE</c>.</summary>
    /// <typeparam name="TEntity">The entity type.</typeparam>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="distStyle">The distribution style.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static EntityTypeBuilder<TEntity> HasDistStyle<TEntity>(this EntityTypeBuilder<TEntity> builder, RedshiftDistStyle distStyle)
        where TEntity : class
        => (EntityTypeBuilder<TEntity>)HasDistStyle((EntityTypeBuilder)builder, distStyle);

    /// <summary>Distributes the table on one column: <c>DISTSTYLE KEY DISTKEY(column)</c>.</summary>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="propertyName">The property mapped to the distribution key column.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static EntityTypeBuilder HasDistKey(this EntityTypeBuilder builder, string propertyName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(propertyName);
        builder.Metadata.SetAnnotation(SparkifyAnnotationNames.DistStyle, RedshiftDistStyle.Key);
        builder.Metadata.SetAnnotation(SparkifyAnnotationNames.DistKey, propertyName);
        return builder;
    }

    /// <summary>Distributes the table on one column: <c>DISTSTYLE KEY DISTKEY(column)</c>.</summary>
    /// <typeparam name="TEntity">The entity type.</typeparam>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="property">The property mapped to the distribution key column, e.g. <c>e =&gt; e.SongId</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static EntityTypeBuilder<TEntity> HasDistKey<TEntity>(this EntityTypeBuilder<TEntity> builder, Expression<Func<TEntity, object?>> property)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(property);
        var names = PropertyNames(property);
        if (names.Count != 1)
        {
            throw new ArgumentException("A Redshift table has exactly one distribution key column.", nameof(property));
        }

        return (EntityTypeBuilder<TEntity>)HasDistKey((EntityTypeBuilder)builder, names[0]);
    }

    /// <summary>Sets the table's compound <c>SORTKEY</c>.</summary>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="propertyNames">The properties mapped to the sort key columns, in order.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static EntityTypeBuilder HasSortKey(this EntityTypeBuilder builder, params string[] propertyNames)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(propertyNames);
        if (propertyNames.Length == 0 || propertyNames.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A sort key names at least one property.", nameof(propertyNames));
        }

        builder.Metadata.SetAnnotation(SparkifyAnnotationNames.SortKey, string.Join(',', propertyNames));
        return builder;
    }

    /// <summary>Sets the table's compound <c>SORTKEY</c>.</summary>
    /// <typeparam name="TEntity">The entity type.</typeparam>
    /// <param name="builder">The entity type builder.</param>
    /// <param name="properties">The sort key properties, e.g. <c>e =&gt; e.StartTime</c> or <c>e =&gt; new { e.A, e.B }</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static EntityTypeBuilder<TEntity> HasSortKey<TEntity>(this EntityTypeBuilder<TEntity> builder, Expression<Func<TEntity, object?>> properties)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(properties);
        return (EntityTypeBuilder<TEntity>)HasSortKey((EntityTypeBuilder)builder, [.. PropertyNames(properties)]);
    }

    private static List<string> PropertyNames(LambdaExpression expression)
    {
        var body = expression.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : expression.Body;
        return body switch
        {
            MemberExpression member => [member.Member.Name],
            NewExpression @new => [.. @new.Arguments.Select(a => a is MemberExpression m
                ? m.Member.Name
                : throw new ArgumentException($"'{expression}' must select properties only.", nameof(expression)))],
            _ => throw new ArgumentException($"'{expression}' must select a property, e.g. e => e.Id, or several, e.g. e => new {{ e.A, e.B }}.", nameof(expression)),
        };
    }
}
