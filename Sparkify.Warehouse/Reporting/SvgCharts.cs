using System.Globalization;
using System.Text;

namespace Sparkify.Warehouse.Reporting;

/// <summary>One named row of values over a chart's categories (a level's plays per hour, say).</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<long> Values);

/// <summary>
/// Inline SVG charts drawn here rather than in the browser, so the page needs no script. Every data
/// point is one element of class <c>mark</c> carrying its series, category and value as
/// <c>data-*</c> attributes and a <c>&lt;title&gt;</c> (the hover text); the axes are labelled and
/// the scale starts at zero. Sizes are in the view box and scale with the page.
/// </summary>
internal static class SvgCharts
{
    private const double Width = 640;
    private const double Height = 280;
    private const double Left = 64;
    private const double Right = 24;
    private const double Top = 14;
    private const double Bottom = 46;
    private const double PlotWidth = Width - Left - Right;
    private const double PlotHeight = Height - Top - Bottom;

    /// <summary>Bars grouped by category, one colour per series, on one value axis.</summary>
    public static void Bars(StringBuilder svg, string id, string title, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, string xTitle, string yTitle, string unit)
    {
        var (axisMax, step) = Axis(series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        Open(svg, id, title);
        Grid(svg, axisMax, step);

        var band = PlotWidth / categories.Count;
        var barWidth = band * 0.8 / series.Count;
        for (var c = 0; c < categories.Count; c++)
        {
            for (var s = 0; s < series.Count; s++)
            {
                var value = series[s].Values[c];
                var height = PlotHeight * value / axisMax;
                var x = Left + (band * c) + (band * 0.1) + (barWidth * s);
                svg.Append("<rect class=\"mark s").Append(s).Append("\" x=\"").Append(Num(x)).Append("\" y=\"").Append(Num(Top + PlotHeight - height))
                    .Append("\" width=\"").Append(Num(barWidth)).Append("\" height=\"").Append(Num(height))
                    .Append("\" data-series=\"").Append(Html.Encode(series[s].Name)).Append("\" data-category=\"").Append(Html.Encode(categories[c]))
                    .Append("\" data-value=\"").Append(Html.Invariant(value)).Append("\"><title>")
                    .Append(Html.Encode($"{series[s].Name}, {categories[c]}: {Html.Count(value)} {unit}")).Append("</title></rect>\n");
            }

            svg.Append("<text class=\"tick\" x=\"").Append(Num(Left + (band * (c + 0.5)))).Append("\" y=\"").Append(Num(Top + PlotHeight + 16))
                .Append("\" text-anchor=\"middle\">").Append(Html.Encode(categories[c])).Append("</text>\n");
        }

        Close(svg, xTitle, yTitle);
    }

    /// <summary>A line over dates, one marker per point; the line breaks where dates are missing rather than bridging them.</summary>
    public static void Line(StringBuilder svg, string id, string title, IReadOnlyList<(DateOnly Date, long Value)> points, string xTitle, string yTitle, string unit)
    {
        var (axisMax, step) = Axis(points.Select(p => p.Value).DefaultIfEmpty(0).Max());
        Open(svg, id, title);
        Grid(svg, axisMax, step);

        var first = points.Count > 0 ? points[0].Date.DayNumber : 0;
        var span = points.Count > 0 ? points[^1].Date.DayNumber - first : 0;
        double X(DateOnly date) => span == 0 ? Left + (PlotWidth / 2) : Left + (PlotWidth * (date.DayNumber - first) / span);
        double Y(long value) => Top + PlotHeight - (PlotHeight * value / axisMax);

        var path = new StringBuilder();
        for (var i = 0; i < points.Count; i++)
        {
            var joined = i > 0 && points[i].Date.DayNumber - points[i - 1].Date.DayNumber == 1;
            path.Append(joined ? " L" : (i > 0 ? " M" : "M")).Append(Num(X(points[i].Date))).Append(' ').Append(Num(Y(points[i].Value)));
        }

        if (points.Count > 0)
        {
            svg.Append("<path class=\"line\" d=\"").Append(path).Append("\"/>\n");
        }

        foreach (var (date, value) in points)
        {
            var day = Html.Date(date);
            svg.Append("<circle class=\"mark s0\" cx=\"").Append(Num(X(date))).Append("\" cy=\"").Append(Num(Y(value))).Append("\" r=\"3.5\" data-category=\"").Append(day)
                .Append("\" data-value=\"").Append(Html.Invariant(value)).Append("\"><title>").Append(Html.Encode($"{day}: {Html.Count(value)} {unit}")).Append("</title></circle>\n");
        }

        // About six date labels, evenly spaced in days, always including the first and last date.
        if (points.Count > 0)
        {
            var every = Math.Max(1, (int)Math.Ceiling(span / 6.0));
            var offsets = Enumerable.Range(0, (span / every) + 1).Select(k => k * every).ToList();
            if (offsets[^1] != span)
            {
                if (offsets.Count > 1 && span - offsets[^1] < every / 2.0)
                {
                    offsets.RemoveAt(offsets.Count - 1);
                }

                offsets.Add(span);
            }

            foreach (var offset in offsets)
            {
                var date = DateOnly.FromDayNumber(first + offset);
                svg.Append("<text class=\"tick\" x=\"").Append(Num(X(date))).Append("\" y=\"").Append(Num(Top + PlotHeight + 16))
                    .Append("\" text-anchor=\"middle\">").Append(date.ToString("MMM d", CultureInfo.InvariantCulture)).Append("</text>\n");
            }
        }

        Close(svg, xTitle, yTitle);
    }

    /// <summary>A small horizontal bar for a table cell: <paramref name="value"/> as a share of <paramref name="max"/>.</summary>
    public static void InlineBar(StringBuilder html, double value, double max)
    {
        var share = max <= 0 ? 0 : 100 * value / max;
        html.Append("<svg class=\"ibar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect width=\"")
            .Append(Num(share)).Append("\" height=\"10\"/></svg>");
    }

    /// <summary>The top of the value axis and the gridline step: a round step (1, 2 or 5 times a power of ten) giving about four lines.</summary>
    internal static (long Max, long Step) Axis(long max)
    {
        if (max <= 0)
        {
            return (1, 1);
        }

        var raw = max / 4.0;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = (long)Math.Max(1, Math.Ceiling(new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw)));
        return ((max + step - 1) / step * step, step);
    }

    private static void Open(StringBuilder svg, string id, string title)
        => svg.Append("<svg class=\"chart\" viewBox=\"0 0 ").Append(Num(Width)).Append(' ').Append(Num(Height))
            .Append("\" role=\"img\" aria-labelledby=\"").Append(id).Append("-svg-title\"><title id=\"").Append(id).Append("-svg-title\">")
            .Append(Html.Encode(title)).Append("</title>\n");

    private static void Grid(StringBuilder svg, long axisMax, long step)
    {
        for (var value = 0L; value <= axisMax; value += step)
        {
            var y = Top + PlotHeight - (PlotHeight * value / axisMax);
            svg.Append("<line class=\"grid\" x1=\"").Append(Num(Left)).Append("\" x2=\"").Append(Num(Width - Right)).Append("\" y1=\"").Append(Num(y)).Append("\" y2=\"").Append(Num(y)).Append("\"/>")
                .Append("<text class=\"tick\" x=\"").Append(Num(Left - 6)).Append("\" y=\"").Append(Num(y + 4)).Append("\" text-anchor=\"end\">").Append(Html.Count(value)).Append("</text>\n");
        }
    }

    private static void Close(StringBuilder svg, string xTitle, string yTitle)
        => svg.Append("<line class=\"axis\" x1=\"").Append(Num(Left)).Append("\" x2=\"").Append(Num(Width - Right)).Append("\" y1=\"").Append(Num(Top + PlotHeight)).Append("\" y2=\"").Append(Num(Top + PlotHeight)).Append("\"/>\n")
            .Append("<text class=\"axis-title\" x=\"").Append(Num(Left + (PlotWidth / 2))).Append("\" y=\"").Append(Num(Height - 6)).Append("\" text-anchor=\"middle\">").Append(Html.Encode(xTitle)).Append("</text>\n")
            .Append("<text class=\"axis-title\" transform=\"translate(14 ").Append(Num(Top + (PlotHeight / 2))).Append(") rotate(-90)\" text-anchor=\"middle\">").Append(Html.Encode(yTitle)).Append("</text>\n")
            .Append("</svg>\n");

    private static string Num(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
