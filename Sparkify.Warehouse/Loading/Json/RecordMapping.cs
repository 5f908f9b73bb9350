using System.Globalization;
using System.Text;
using System.Text.Json;
using Sparkify.Warehouse.Loading.Staging;

namespace Sparkify.Warehouse.Loading.Json;

/// <summary>
/// Which element of a JSON record feeds which column of a staging table, as Redshift COPY maps them:
/// by column name (<c>FORMAT AS JSON 'auto'</c>) or by position through a JSONPaths file. The paths are
/// kept as a tree, so one pass over a record finds every column's value.
/// </summary>
internal sealed class RecordMapping
{
    private readonly IReadOnlyList<JsonPath> _paths;

    private RecordMapping(StagingTable table, IReadOnlyList<JsonPath> paths, PathNode root, string description)
    {
        Table = table;
        _paths = paths;
        Root = root;
        Description = description;
    }

    public StagingTable Table { get; }

    internal PathNode Root { get; }

    /// <summary><c>auto</c> or <c>jsonpaths</c>, for messages.</summary>
    public string Description { get; }

    /// <summary>Top-level keys equal to column names, case-sensitively (Redshift's <c>'auto'</c>).</summary>
    public static RecordMapping Auto(StagingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return Build(table, [.. table.Columns.Select(c => JsonPath.ForKey(c.Name))], "auto");
    }

    /// <summary>The i-th path feeds the i-th column; the counts must match, as in Redshift.</summary>
    /// <exception cref="WarehouseException">The number of paths differs from the number of columns.</exception>
    public static RecordMapping JsonPaths(StagingTable table, IReadOnlyList<JsonPath> paths)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count != table.Columns.Count)
        {
            throw new WarehouseException(string.Create(CultureInfo.InvariantCulture,
                $"The JSONPaths file has {paths.Count} paths but {table.Name} has {table.Columns.Count} columns; Redshift COPY maps them by position, so the counts must match ({string.Join(", ", table.Columns.Select(c => c.Name))})."));
        }

        return Build(table, paths, "jsonpaths");
    }

    private static RecordMapping Build(StagingTable table, IReadOnlyList<JsonPath> paths, string description)
    {
        var root = new PathNode(JsonPathStep.ForKey("$"));
        for (var column = 0; column < paths.Count; column++)
        {
            var node = root;
            foreach (var step in paths[column].Steps)
            {
                node = node.GetOrAddChild(step);
            }

            node.AddColumn(column);
        }

        root.Freeze();
        return new RecordMapping(table, paths, root, description);
    }

    /// <summary>The path that feeds column <paramref name="column"/>.</summary>
    public JsonPath PathOf(int column) => _paths[column];
}

/// <summary>One step in the tree of paths; <see cref="Columns"/> are the columns whose path ends here.</summary>
internal sealed class PathNode
{
    private readonly List<PathNode> _children = [];
    private readonly List<int> _columns = [];

    public PathNode(JsonPathStep step)
    {
        Step = step;
        KeyUtf8 = step.Key is null ? [] : Encoding.UTF8.GetBytes(step.Key);
    }

    public JsonPathStep Step { get; }

    /// <summary>The key as UTF-8, compared against (unescaped) property names.</summary>
    public byte[] KeyUtf8 { get; }

    public PathNode[] KeyChildren { get; private set; } = [];

    public PathNode[] IndexChildren { get; private set; } = [];

    public int[] Columns { get; private set; } = [];

    /// <summary>The largest array index below this node, or -1.</summary>
    public int MaxIndex { get; private set; } = -1;

    public bool HasChildren => KeyChildren.Length > 0 || IndexChildren.Length > 0;

    public PathNode GetOrAddChild(JsonPathStep step)
    {
        var existing = _children.Find(c => c.Step == step);
        if (existing is not null)
        {
            return existing;
        }

        var child = new PathNode(step);
        _children.Add(child);
        return child;
    }

    public void AddColumn(int column) => _columns.Add(column);

    public void Freeze()
    {
        KeyChildren = [.. _children.Where(c => c.Step.IsKey)];
        IndexChildren = [.. _children.Where(c => !c.Step.IsKey)];
        MaxIndex = IndexChildren.Length == 0 ? -1 : IndexChildren.Max(c => c.Step.Index);
        Columns = [.. _columns];
        foreach (var child in _children)
        {
            child.Freeze();
        }
    }

    /// <summary>
    /// The key child named like the current property of <paramref name="reader"/>, or null. Records of one
    /// file nearly always list their keys in the same order, so the search starts just after the
    /// previous match (<paramref name="cursor"/>) and usually succeeds at the first comparison.
    /// </summary>
    public PathNode? FindKeyChild(ref Utf8JsonReader reader, ref int cursor)
    {
        var children = KeyChildren;
        var count = children.Length;
        for (var n = 0; n < count; n++)
        {
            var i = cursor + n;
            if (i >= count)
            {
                i -= count;
            }

            var child = children[i];
            if (reader.ValueIsEscaped ? reader.ValueTextEquals(child.KeyUtf8) : reader.ValueSpan.SequenceEqual(child.KeyUtf8))
            {
                cursor = i + 1 == count ? 0 : i + 1;
                return child;
            }
        }

        return null;
    }

    /// <summary>The child for array element <paramref name="index"/>, or null.</summary>
    public PathNode? FindIndexChild(int index)
    {
        foreach (var child in IndexChildren)
        {
            if (child.Step.Index == index)
            {
                return child;
            }
        }

        return null;
    }

    /// <summary>The first column at or below this node, to name in a reject.</summary>
    public int FirstColumn()
    {
        var first = Columns.Length > 0 ? Columns.Min() : int.MaxValue;
        foreach (var child in KeyChildren.Concat(IndexChildren))
        {
            first = Math.Min(first, child.FirstColumn());
        }

        return first;
    }
}
