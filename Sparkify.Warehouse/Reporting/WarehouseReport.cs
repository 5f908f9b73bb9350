using System.Text;

namespace Sparkify.Warehouse.Reporting;

/// <summary>
/// The analyst report: one self-contained HTML page of headline numbers, charts and tables over the
/// star schema, plus the recent loads and their rejects. <c>sparkify report</c> writes it.
/// </summary>
/// <remarks>
/// <para>
/// Every play number comes from the LINQ helpers of <see cref="Queries.SongPlayQueries"/> (the ones
/// <c>sparkify query</c> runs), filtered with <see cref="Queries.SongPlayFilters"/>, so the page and the
/// command line always agree; it runs on PostgreSQL and Redshift alike.
/// </para>
/// <para>
/// The page needs nothing else: styles and SVG charts are inline, there is no script, and it refers
/// to no other file or host, so it works offline, as an e-mail attachment and on paper. It follows the
/// reader's light or dark colour scheme. Every text from the data (song titles, artist names,
/// locations, reject reasons) is HTML-encoded. Apart from the generation time, the same data and
/// options give the same bytes.
/// </para>
/// </remarks>
public static class WarehouseReport
{
    /// <summary>Writes the report as UTF-8 HTML to <paramref name="output"/>.</summary>
    /// <example>
    /// <code>
    /// await using var file = File.Create("report.html");
    /// await WarehouseReport.WriteHtmlAsync(context, file, new ReportOptions { Level = "paid", Title = "Paid listening" });
    /// </code>
    /// </example>
    /// <param name="context">The warehouse to report on.</param>
    /// <param name="output">Where the page goes; left open.</param>
    /// <param name="options">Filters and title; null for the whole warehouse.</param>
    /// <param name="cancellationToken">Cancels the queries and the write.</param>
    /// <returns>A task that completes when the page is written.</returns>
    /// <exception cref="ArgumentException">The window is empty (<see cref="ReportOptions.From"/> not before <see cref="ReportOptions.To"/>), the level is empty, or the limit is below 1.</exception>
    public static Task WriteHtmlAsync(WarehouseDbContext context, Stream output, ReportOptions? options = null, CancellationToken cancellationToken = default)
        => WriteHtmlCoreAsync(context, output, options ?? new ReportOptions(), TimeProvider.System, cancellationToken);

    /// <summary>As the public overload, with the clock that stamps the generation time.</summary>
    internal static async Task WriteHtmlCoreAsync(WarehouseDbContext context, Stream output, ReportOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Limit, nameof(options));
        if (options.Level is { Length: 0 })
        {
            throw new ArgumentException("The level is empty; use null for every level.", nameof(options));
        }

        var data = await ReportData.LoadAsync(context, options, cancellationToken).ConfigureAwait(false);
        var html = ReportHtml.Render(data, options, clock.GetUtcNow().UtcDateTime);
        var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteAsync(html.AsMemory(), cancellationToken).ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
