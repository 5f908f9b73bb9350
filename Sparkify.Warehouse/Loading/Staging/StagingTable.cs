using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Sparkify.Warehouse.Configuration;
using Sparkify.Warehouse.Entities;

namespace Sparkify.Warehouse.Loading.Staging;

/// <summary>The four store types a staging column can have.</summary>
internal enum StagingColumnType
{
    /// <summary><c>integer</c>.</summary>
    Int32,

    /// <summary><c>bigint</c>.</summary>
    Int64,

    /// <summary><c>double precision</c>.</summary>
    Float64,

    /// <summary><c>varchar(n)</c>; n is a byte length, as on Redshift.</summary>
    Text,
}

/// <summary>One column of a staging table, in table order.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The store type.</param>
/// <param name="MaxBytes">For <see cref="StagingColumnType.Text"/>, the declared length, checked in UTF-8 bytes.</param>
internal sealed record StagingColumn(string Name, StagingColumnType Type, int MaxBytes)
{
    /// <summary>The type as SQL writes it, for messages.</summary>
    public string SqlType => Type switch
    {
        StagingColumnType.Int32 => "integer",
        StagingColumnType.Int64 => "bigint",
        StagingColumnType.Float64 => "double precision",
        _ => "varchar(" + MaxBytes.ToString(CultureInfo.InvariantCulture) + ")",
    };
}

/// <summary>
/// A staging table as the loader writes it: its name and its columns in table order (the order a
/// JSONPaths file maps to), read from the EF model so the COPY can never disagree with the migrations.
/// </summary>
internal sealed class StagingTable
{
    private StagingTable(string name, IReadOnlyList<StagingColumn> columns)
    {
        Name = name;
        Columns = columns;
    }

    public string Name { get; }

    public IReadOnlyList<StagingColumn> Columns { get; }

    /// <summary><c>staging_events</c> of <paramref name="model"/>.</summary>
    public static StagingTable Events(IReadOnlyModel model) => For(model, typeof(StagingEvent));

    /// <summary><c>staging_songs</c> of <paramref name="model"/>.</summary>
    public static StagingTable Songs(IReadOnlyModel model) => For(model, typeof(StagingSong));

    private static StagingTable For(IReadOnlyModel model, Type entityClrType)
    {
        ArgumentNullException.ThrowIfNull(model);

        // A runtime model (the compiled one on PostgreSQL): the design-time model would know the
        // column order too, but building it costs more than the rest of a day's load.
        var entityType = model.FindEntityType(entityClrType)
            ?? throw new InvalidOperationException($"{entityClrType.Name} is not part of the model.");
        var tableName = entityType.GetTableName()
            ?? throw new InvalidOperationException($"{entityClrType.Name} is not mapped to a table.");

        var columns = entityType.GetProperties()
            .Select(p => (Property: p, Order: p.FindAnnotation(StagingColumnOrder.Annotation)?.Value as int?
                ?? throw new InvalidOperationException($"{tableName}.{p.Name} has no column order; staging columns need one because JSONPaths map by position.")))
            .OrderBy(p => p.Order)
            .Select(p => ToColumn(p.Property, tableName))
            .ToList();
        return new StagingTable(tableName, columns);
    }

    private static StagingColumn ToColumn(IReadOnlyProperty property, string tableName)
    {
        var name = property.GetColumnName();
        var clrType = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
        if (clrType == typeof(string))
        {
            var maxLength = property.GetMaxLength()
                ?? throw new InvalidOperationException($"{tableName}.{name} has no maximum length; staging strings must be varchar(n).");
            return new StagingColumn(name, StagingColumnType.Text, maxLength);
        }

        var type = clrType == typeof(int) ? StagingColumnType.Int32
            : clrType == typeof(long) ? StagingColumnType.Int64
            : clrType == typeof(double) ? StagingColumnType.Float64
            : throw new InvalidOperationException($"{tableName}.{name} has CLR type {clrType.Name}, which the staging COPY does not write.");
        return new StagingColumn(name, type, 0);
    }

    /// <summary>
    /// <c>COPY "t" ("c1", ...) FROM STDIN (FORMAT BINARY)</c>, identifiers quoted by the provider's
    /// <paramref name="sql"/> helper.
    /// </summary>
    public string CopyFromStdinBinarySql(ISqlGenerationHelper sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return $"COPY {sql.DelimitIdentifier(Name)} ({string.Join(", ", Columns.Select(c => sql.DelimitIdentifier(c.Name)))}) FROM STDIN (FORMAT BINARY)";
    }
}
