using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sparkify.Warehouse.Cli.Queries;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sparkify.Warehouse.Cli.Output;

/// <summary>The output formats of <c>sparkify query</c>.</summary>
internal enum QueryFormat
{
    Table,
    Csv,
    Json,
}

/// <summary>Writes a <see cref="QueryResult"/> as a table, CSV (RFC 4180), JSON, or a bar chart.</summary>
internal static class QueryResultWriter
{
    /// <summary>ISO-8601 UTC with milliseconds: timestamps in the output are instants, unambiguous in any time zone and sortable as text.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>
    /// An array of objects whose keys are the field names in order; numbers as JSON numbers,
    /// timestamps and dates as strings, missing values as null.
    /// </summary>
    public static async Task WriteJsonAsync(QueryResult result, TextWriter output, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps "é" and "&" readable; the output is data, never embedded in HTML.
        await using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var row in result.Rows)
            {
                json.WriteStartObject();
                for (var i = 0; i < result.Fields.Count; i++)
                {
                    json.WritePropertyName(result.Fields[i]);
                    WriteJsonValue(json, row[i]);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        await output.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray()).AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RFC 4180: a header row, CRLF line ends, and fields quoted when they hold a comma, quote or line break.</summary>
    public static async Task WriteCsvAsync(QueryResult result, TextWriter output, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', result.Fields.Select(CsvField)).Append("\r\n");
        foreach (var row in result.Rows)
        {
            text.AppendJoin(',', row.Select(value => CsvField(Format(value)))).Append("\r\n");
        }

        await output.WriteAsync(text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A table with the field names as headers; numbers right-aligned; missing values shown dimmed as <c>null</c>.</summary>
    public static void WriteTable(QueryResult result, TextWriter output)
    {
        var rightAligned = Enumerable.Range(0, result.Fields.Count)
            .Select(i => result.Rows.Any(r => r[i] is int or long or decimal) && result.Rows.All(r => r[i] is null or int or long or decimal))
            .ToArray();
        var cells = result.Rows.Select(row => row.Select(Format).ToArray()).ToArray();
        WriteTable(result.Fields, cells, rightAligned, output);
        output.WriteLine(result.Rows.Count == 1 ? "1 row" : $"{result.Rows.Count} rows");
    }

    /// <summary>
    /// A table with a rounded border, drawn in one pass when it fits on a line of the terminal (<see cref="BoxTable"/>)
    /// and laid out by Spectre.Console otherwise. Output that is not a terminal (a pipe, a file) is never wrapped: a row
    /// stays on one line whatever its width.
    /// </summary>
    /// <param name="headers">The column headers.</param>
    /// <param name="rows">One text per column; null is shown as a dimmed <c>null</c>.</param>
    /// <param name="rightAligned">Per column: numbers, right-aligned (header too).</param>
    /// <param name="output">Where the table goes.</param>
    public static void WriteTable(IReadOnlyList<string> headers, IReadOnlyList<string?[]> rows, IReadOnlyList<bool> rightAligned, TextWriter output)
    {
        var console = CreateConsole(output);
        var width = Terminal.IsInteractive(output) ? console.Profile.Width : int.MaxValue;
        if (!BoxTable.TryWrite(headers, rows, rightAligned, width, console.Profile.Capabilities.Ansi, output))
        {
            console.Write(SpectreTable(headers, rows, rightAligned));
        }
    }

    /// <summary>The table as Spectre.Console lays it out, wrapping cells to the output's width (see <see cref="BoxTable"/>).</summary>
    internal static Table SpectreTable(IReadOnlyList<string> headers, IReadOnlyList<string?[]> rows, IReadOnlyList<bool> rightAligned)
    {
        var table = new Table().Border(TableBorder.Rounded);
        for (var i = 0; i < headers.Count; i++)
        {
            var column = new TableColumn(new Text(headers[i]));
            if (rightAligned[i])
            {
                column.RightAligned();
            }

            table.AddColumn(column);
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(value => value is null ? new Markup("[dim]null[/]") : (IRenderable)new Text(value)));
        }

        return table;
    }

    /// <summary>A horizontal bar chart of <paramref name="chart"/>'s label and value per row.</summary>
    public static void WriteChart(QueryResult result, ChartSpec chart, TextWriter output)
    {
        var bars = new BarChart().Label(chart.Title).LeftAlignLabel().Width(80);
        foreach (var row in result.Rows)
        {
            bars.AddItem(Markup.Escape(chart.Label(row)), chart.Value(row), Color.SteelBlue);
        }

        CreateConsole(output).Write(bars);
    }

    /// <summary>A value as text, the same in CSV and tables as in JSON.</summary>
    public static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        DateTime t => t.ToString(TimestampFormat, CultureInfo.InvariantCulture),
        DateOnly d => d.ToString(DateFormat, CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static void WriteJsonValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case long l:
                json.WriteNumberValue(l);
                break;
            case decimal m:
                json.WriteNumberValue(m);
                break;
            default:
                json.WriteStringValue(Format(value));
                break;
        }
    }

    private static string CsvField(string? value)
    {
        if (value is null)
        {
            return "";
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        var console = Terminal.For(output);

        // Spectre assumes 80 columns when the output is not a terminal (a pipe, a file); wide rows
        // such as user history would then wrap, so redirected output gets room instead.
        if (!Terminal.IsInteractive(output))
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}
