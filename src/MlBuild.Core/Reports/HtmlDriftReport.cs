using System.Globalization;
using System.Text;
using MlBuild.Core.Data.Drift;
using MlBuild.Core.Data.Drift.Statistics;
using MlBuild.Core.Diagnostics;

namespace MlBuild.Core.Reports;

/// <summary>
/// The drift report a person opens in a browser: one self-contained HTML file (inline CSS and SVG, no script, nothing
/// fetched from the network). The verdict and its rule first, then a table of the columns (worst verdict first, then by
/// drift score), then each column with its reference and current distributions drawn over each other and every statistic
/// with its threshold. Deterministic: the same input gives the same bytes (invariant culture, fixed order, no
/// timestamps); its size grows with the columns, never with the rows.
/// </summary>
public static class HtmlDriftReport
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The report as UTF-8 bytes (no byte order mark).</summary>
    public static byte[] Write(DriftReportInput input) => new UTF8Encoding(false).GetBytes(Render(input));

    /// <summary>The report as text.</summary>
    public static string Render(DriftReportInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Worst verdict first (a drifted column above one whose large effect was not significant), then by score, then
        // by name: the order of the JSON report.
        var columns = input.Columns
            .OrderByDescending(c => c.Verdict)
            .ThenByDescending(c => double.IsNaN(c.Score) ? double.NegativeInfinity : c.Score)
            .ThenBy(c => c.Name, StringComparer.Ordinal).ToArray();
        int drifted = columns.Count(c => c.Verdict >= Verdict.Fail);
        int warned = columns.Count(c => c.Verdict is Verdict.Warn or Verdict.Inconclusive);
        var h = new StringBuilder(4096 + 2048 * columns.Length);
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append("<title>").Append(E(DriftWord(input.Verdict))).Append(": ").Append(E(input.Title)).Append("</title>\n");
        h.Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");

        // Verdict first.
        h.Append("<header class=\"banner ").Append(VerdictClass(input.Verdict)).Append("\">\n<h1>")
         .Append(E(DriftWord(input.Verdict))).Append("</h1>\n<p class=\"title\">").Append(E(input.Title)).Append("</p>\n");
        h.Append("<p>").Append(Count(drifted)).Append(" of ").Append(Count(columns.Length)).Append(columns.Length == 1 ? " column" : " columns")
         .Append(" drifted");
        if (warned > 0) h.Append(", ").Append(Count(warned)).Append(" with a warning");
        h.Append(". Rule: ").Append(E(input.Rule)).Append("</p>\n</header>\n<main>\n");

        h.Append("<dl class=\"sources\">\n<dt>Reference</dt><dd>").Append(E(input.ReferenceName)).Append(" (")
         .Append(Count(input.ReferenceRows)).Append(" rows)</dd>\n<dt>Current</dt><dd>").Append(E(input.CurrentName)).Append(" (")
         .Append(Count(input.CurrentRows)).Append(" rows)</dd>\n</dl>\n");

        WriteColumnTable(h, columns);
        h.Append("<p class=\"legend\"><span class=\"swatch ref\"></span>reference <span class=\"swatch cur\"></span>current")
         .Append(" &middot; bars and areas are shares of each sample's non-null values</p>\n");
        for (int i = 0; i < columns.Length; i++) WriteColumn(h, columns[i], i);
        WriteFindings(h, input.ValidationFindings);
        h.Append("</main>\n<footer>MlBuild drift report</footer>\n</body>\n</html>\n");
        return h.ToString();
    }

    const string Css = """
        :root { --ref: #4c78a8; --cur: #f58518; --fail: #b42318; --pass: #067647; --warn: #b54708; --ink: #1d2939; --muted: #667085; --line: #eaecf0; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fcfcfd; }
        .banner { padding: 18px 28px; color: #fff; }
        .banner h1 { margin: 0 0 4px; font-size: 26px; }
        .banner p { margin: 2px 0; }
        .banner .title { font-weight: 600; word-break: break-all; }
        .banner.fail { background: var(--fail); }
        .banner.pass { background: var(--pass); }
        .banner.warn, .banner.inconclusive { background: var(--warn); }
        .banner.skipped, .banner.error { background: var(--muted); }
        main { padding: 8px 28px 28px; max-width: 1200px; }
        .sources { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 12px 0; }
        .sources dt { color: var(--muted); }
        .sources dd { margin: 0; word-break: break-all; }
        table { border-collapse: collapse; margin: 8px 0 16px; }
        th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
        .columns td:nth-child(3) { text-align: right; font-variant-numeric: tabular-nums; }
        tr.fail td:first-child { border-left: 3px solid var(--fail); }
        td b, h2 b { display: inline-block; color: #fff; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; background: var(--muted); }
        td b.fail, td b.error, h2 b.fail, h2 b.error { background: var(--fail); }
        td b.pass, h2 b.pass { background: var(--pass); }
        td b.warn, td b.inconclusive, h2 b.warn, h2 b.inconclusive { background: var(--warn); }
        .stats td:nth-child(n+2):nth-child(-n+5) { text-align: right; font-variant-numeric: tabular-nums; }
        small { color: var(--muted); }
        svg text.m { text-anchor: middle; }
        svg text.e { text-anchor: end; }
        .legend { color: var(--muted); }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin: 0 4px 0 8px; }
        .swatch.ref { background: var(--ref); opacity: .6; }
        .swatch.cur { background: var(--cur); opacity: .6; }
        section { border-top: 1px solid var(--line); padding: 12px 0; }
        section h2 { font-size: 17px; margin: 0 0 4px; word-break: break-all; }
        .facts { color: var(--muted); margin: 0 0 6px; }
        .changes { margin: 0 0 6px; word-break: break-all; }
        svg { display: block; max-width: 100%; height: auto; }
        svg text { font: 10px system-ui, sans-serif; fill: var(--muted); }
        .r { fill: var(--ref); fill-opacity: .45; stroke: var(--ref); stroke-width: 1; }
        .c { fill: var(--cur); fill-opacity: .45; stroke: var(--cur); stroke-width: 1; }
        .axis { fill: none; stroke: #98a2b3; stroke-width: 1; }
        footer { color: var(--muted); padding: 0 28px 20px; font-size: 12px; }
        """;

    static void WriteColumnTable(StringBuilder h, DriftReportColumn[] columns)
    {
        // One score method for every column (the usual case) goes in the header, not in every row. Cells and rows leave
        // out their optional end tags: the page stays small with a thousand columns.
        bool oneMethod = columns.Select(c => c.ScoreMethod).Distinct(StringComparer.Ordinal).Count() <= 1;
        h.Append("<table class=\"columns\">\n<thead><tr><th>Column<th>Type<th>Score");
        if (oneMethod && columns.Length > 0) h.Append(" <small>(").Append(E(columns[0].ScoreMethod)).Append(")</small>");
        if (!oneMethod) h.Append("<th>Score is");
        h.Append("<th>Verdict<th>Deciding statistic<th>Null rate</thead>\n<tbody>\n");
        for (int i = 0; i < columns.Length; i++)
        {
            var c = columns[i];
            h.Append("<tr class=\"").Append(VerdictClass(c.Verdict)).Append("\"><td><a href=\"#c").Append(i.ToString(Inv)).Append("\">")
             .Append(E(c.Name)).Append("</a><td>").Append(E(c.Kind)).Append("<td>").Append(Num(c.Score));
            if (!oneMethod) h.Append("<td>").Append(E(c.ScoreMethod));
            h.Append("<td>").Append(Badge(c.Verdict)).Append("<td>");
            var deciding = Deciding(c);
            if (deciding is not null)
            {
                h.Append(E(Label(deciding.Statistic.Method))).Append(' ').Append(Num(deciding.Statistic.Value));
                if (deciding.Threshold is double t) h.Append(deciding.Statistic.Value >= t ? " &ge; " : " &lt; ").Append(Num(t));
            }
            h.Append("<td>").Append(NullRates(c)).Append('\n');
        }
        h.Append("</tbody>\n</table>\n");
    }

    /// <summary>The statistic that decided the column: the worst verdict, then the largest value over its threshold.</summary>
    static DriftReportStatistic? Deciding(DriftReportColumn c) => c.Statistics
        .Where(s => s.Threshold is not null)
        .OrderByDescending(s => s.Verdict)
        .ThenByDescending(s => s.Threshold is double t && t > 0 ? s.Statistic.Value / t : 0)
        .ThenBy(s => s.Statistic.Method)
        .FirstOrDefault();

    static string NullRates(DriftReportColumn c) =>
        Percent(c.Reference.Rows == 0 ? 0 : (double)c.Reference.Nulls / c.Reference.Rows) + " &rarr; " +
        Percent(c.Current.Rows == 0 ? 0 : (double)c.Current.Nulls / c.Current.Rows);

    static void WriteColumn(StringBuilder h, DriftReportColumn c, int index)
    {
        h.Append("<section id=\"c").Append(index.ToString(Inv)).Append("\">\n<h2>").Append(E(c.Name)).Append(' ').Append(Badge(c.Verdict))
         .Append("</h2>\n<p class=\"facts\">").Append(E(c.Kind)).Append(", rows ").Append(Count(c.Reference.Rows)).Append(" &rarr; ").Append(Count(c.Current.Rows))
         .Append(", null rate ").Append(NullRates(c));
        if (c.TypeChange is not null) h.Append(", <strong>type changed: ").Append(E(c.TypeChange)).Append("</strong>");
        h.Append("</p>\n");
        if (c.NewCategories.Count > 0 || c.MissingCategories.Count > 0)
        {
            h.Append("<p class=\"changes\">");
            if (c.NewCategories.Count > 0) h.Append("New categories: ").Append(CategoryList(c.NewCategories)).Append(". ");
            if (c.MissingCategories.Count > 0) h.Append("Missing categories: ").Append(CategoryList(c.MissingCategories)).Append('.');
            h.Append("</p>\n");
        }
        if (c.Distribution is { } d)
        {
            if (d.Labels is not null) Bars(h, c.Name, d);
            else if (d.Edges is { Count: > 1 }) Histogram(h, c.Name, d);
        }
        if (c.Statistics.Count > 0)
        {
            h.Append("<table class=\"stats\">\n<tr><th>Statistic<th>Value<th>p-value<th>Adjusted p<th>Threshold<th>Verdict\n");
            foreach (var s in c.Statistics)
            {
                var st = s.Statistic;
                h.Append("<tr><td>").Append(E(Label(st.Method))).Append("<td>").Append(Num(st.Value));
                if (!st.IsExact) h.Append(" &plusmn; ").Append(Num(st.ErrorBound)).Append(" <small>sketch</small>");
                h.Append("<td>");
                if (st.PValue is double p)
                    h.Append(Num(p)).Append(st.PValueMethod == PValueMethod.Exact ? " <small>exact</small>" : st.PValueMethod == PValueMethod.Asymptotic ? " <small>asymptotic</small>" : "");
                h.Append("<td>").Append(s.AdjustedPValue is double ap ? Num(ap) : "").Append("<td>")
                 .Append(s.Threshold is double t ? "&ge; " + Num(t) : "").Append("<td>")
                 .Append(s.Threshold is null ? "" : Badge(s.Verdict)).Append('\n'); // no threshold: the figure only informs
            }
            h.Append("</table>\n");
        }
        h.Append("</section>\n");
    }

    static string CategoryList(IReadOnlyList<string> names)
    {
        const int Shown = 12;
        var text = string.Join(", ", names.Take(Shown).Select(n => "<code>" + E(n) + "</code>"));
        return names.Count > Shown ? text + " and " + Count(names.Count - Shown) + " more" : text;
    }

    static void WriteFindings(StringBuilder h, IReadOnlyList<MlDiagnostic> findings)
    {
        if (findings.Count == 0) return;
        h.Append("<section id=\"validation\">\n<h2>Failing validation checks</h2>\n<table>\n<thead><tr><th>Where</th><th>Code</th><th>Message</th></tr></thead>\n<tbody>\n");
        foreach (var f in findings)
        {
            string where = f.File is null ? "" : f.Line > 0 ? $"{f.File}({f.Line.ToString(Inv)}{(f.Column > 0 ? "," + f.Column.ToString(Inv) : "")})" : f.File;
            h.Append("<tr><td>").Append(E(where)).Append("</td><td>").Append(E(f.Code)).Append("</td><td>").Append(E(f.Message)).Append("</td></tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
    }

    // Picture geometry (SVG user units).
    const double Left = 44, Top = 8, PlotHeight = 120, Bottom = Top + PlotHeight;

    static void Histogram(StringBuilder h, string name, DriftReportDistribution d)
    {
        const double Width = 560, PlotWidth = Width - Left - 10;
        var edges = d.Edges!;
        int bins = edges.Count - 1;
        double[] r = Shares(d.Reference), c = Shares(d.Current);
        double top = Math.Max(r.DefaultIfEmpty(0).Max(), c.DefaultIfEmpty(0).Max());
        if (!(top > 0)) top = 1;
        double X(int i) => Left + PlotWidth * i / bins;
        double Y(double share) => Bottom - PlotHeight * share / top;
        SvgStart(h, Width, name);
        Axes(h, Left, Left + PlotWidth, top);
        foreach (var (shares, cls) in new[] { (r, "r"), (c, "c") })
        {
            h.Append("<path class=\"").Append(cls).Append("\" d=\"M").Append(P(X(0))).Append(',').Append(P(Bottom));
            for (int i = 0; i < bins; i++) h.Append('V').Append(P(Y(shares.Length > i ? shares[i] : 0))).Append('H').Append(P(X(i + 1)));
            h.Append('V').Append(P(Bottom)).Append("Z\"/>\n");
        }
        Label(h, X(0), "s", edges[0]);
        if (bins > 1) Label(h, X(bins / 2), "m", edges[bins / 2]);
        Label(h, X(bins), "e", edges[bins]);
        h.Append("</svg>\n");
    }

    static void Bars(StringBuilder h, string name, DriftReportDistribution d)
    {
        var labels = d.Labels!;
        int k = labels.Count;
        if (k == 0) return;
        double slot = Math.Max(36, 506.0 / k);
        double width = Left + slot * k + 10;
        double[] r = Shares(d.Reference, d.OtherReference), c = Shares(d.Current, d.OtherCurrent);
        double top = Math.Max(r.DefaultIfEmpty(0).Max(), c.DefaultIfEmpty(0).Max());
        if (!(top > 0)) top = 1;
        double Y(double share) => Bottom - PlotHeight * share / top;
        bool anyLong = labels.Any(l => l.Length > Math.Max(3, (int)(slot / 6.5)));
        SvgStart(h, width, name, anyLong ? 70 : 20);
        Axes(h, Left, Left + slot * k, top);
        foreach (var (shares, cls, offset) in new[] { (r, "r", 0.1), (c, "c", 0.5) })
        {
            h.Append("<path class=\"").Append(cls).Append("\" d=\"");
            for (int i = 0; i < k; i++)
            {
                double share = shares.Length > i ? shares[i] : 0;
                h.Append('M').Append(P(Left + slot * i + slot * offset)).Append(',').Append(P(Bottom)).Append('V').Append(P(Y(share)))
                 .Append('h').Append(P(slot * 0.4)).Append('V').Append(P(Bottom)).Append('Z');
            }
            h.Append("\"/>\n");
        }
        // Labels that fit under their bar pair stand upright; otherwise all are slanted (and cut at 16 characters).
        int fits = Math.Max(3, (int)(slot / 6.5));
        bool slanted = labels.Any(l => l.Length > fits);
        int keep = slanted ? 16 : fits;
        for (int i = 0; i < k; i++)
        {
            string full = labels[i];
            int cut = keep - 1 - (full.Length > keep && char.IsHighSurrogate(full[keep - 2]) ? 1 : 0);
            string shown = full.Length > keep ? full[..cut] + "\u2026" : full;
            string x = P(Left + slot * (i + 0.5)), y = P(Bottom + 13);
            h.Append("<text class=\"").Append(slanted ? "e" : "m").Append("\" x=\"").Append(x).Append("\" y=\"").Append(y);
            if (slanted) h.Append("\" transform=\"rotate(-35 ").Append(x).Append(' ').Append(y).Append(')');
            h.Append("\">");
            if (shown.Length != full.Length) h.Append("<title>").Append(E(full)).Append("</title>");
            h.Append(E(shown)).Append("</text>\n");
        }
        h.Append("</svg>\n");
        if (d.OtherCategories > 0)
        {
            long refTotal = d.Reference.Sum() + d.OtherReference, curTotal = d.Current.Sum() + d.OtherCurrent;
            h.Append("<p class=\"facts\">").Append(Count(d.OtherCategories)).Append(" other categories together: ")
             .Append(Percent(refTotal == 0 ? 0 : (double)d.OtherReference / refTotal)).Append(" &rarr; ")
             .Append(Percent(curTotal == 0 ? 0 : (double)d.OtherCurrent / curTotal)).Append("</p>\n");
        }
    }

    static void SvgStart(StringBuilder h, double width, string label, double below = 20) =>
        h.Append("<svg width=\"").Append(P(width)).Append("\" height=\"").Append(P(Bottom + below))
         .Append("\" viewBox=\"0 0 ").Append(P(width)).Append(' ').Append(P(Bottom + below)).Append("\" role=\"img\" aria-label=\"")
         .Append(E(label)).Append("\">\n");

    static void Axes(StringBuilder h, double x0, double x1, double top)
    {
        h.Append("<path class=\"axis\" d=\"M").Append(P(x0)).Append(',').Append(P(Top)).Append('V').Append(P(Bottom)).Append('H').Append(P(x1)).Append("\"/>\n");
        h.Append("<text class=\"e\" x=\"").Append(P(x0 - 4)).Append("\" y=\"").Append(P(Top + 8)).Append("\">").Append(Percent(top)).Append("</text>\n");
        h.Append("<text class=\"e\" x=\"").Append(P(x0 - 4)).Append("\" y=\"").Append(P(Bottom)).Append("\">0</text>\n");
    }

    static void Label(StringBuilder h, double x, string anchor, double value) =>
        h.Append("<text class=\"").Append(anchor).Append("\" x=\"").Append(P(x)).Append("\" y=\"").Append(P(Bottom + 13)).Append("\">")
         .Append(Num(value)).Append("</text>\n");

    static double[] Shares(IReadOnlyList<long> counts, long others = 0)
    {
        long total = others;
        foreach (var x in counts) total += x;
        var shares = new double[counts.Count];
        if (total > 0) for (int i = 0; i < shares.Length; i++) shares[i] = (double)counts[i] / total;
        return shares;
    }

    static string Label(DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov => "KS D",
        DriftMethod.PopulationStabilityIndex => "PSI",
        DriftMethod.NormalizedWasserstein => "Wasserstein / std",
        DriftMethod.JensenShannon => "Jensen-Shannon",
        DriftMethod.ChiSquare => "Chi-square",
        DriftMethod.CramersV => "Cram\u00e9r's V",
        DriftMethod.UnseenCategoryShare => "Unseen share",
        DriftMethod.NullRateChange => "Null-rate change",
        _ => DriftStatistic.NameOf(method),
    };

    static string DriftWord(Verdict v) => v switch
    {
        Verdict.Fail => "Drift detected",
        Verdict.Warn or Verdict.Inconclusive => "Drift warning",
        Verdict.Error => "Drift check failed to run",
        Verdict.Skipped => "Drift check skipped",
        _ => "No drift",
    };

    static string VerdictClass(Verdict v) => v.Word();

    static string Badge(Verdict v) => "<b class=\"" + v.Word() + "\">" + v.Word() + "</b>";

    /// <summary>A figure for people: 4 significant digits, scientific below 0.001 and from a million up.</summary>
    static string Num(double x)
    {
        if (double.IsNaN(x)) return "&ndash;";
        if (double.IsPositiveInfinity(x)) return "&infin;";
        if (double.IsNegativeInfinity(x)) return "&minus;&infin;";
        if (x == 0) return "0";
        double a = Math.Abs(x);
        return a < 1e-3 || a >= 1e6 ? x.ToString("0.###E+0", Inv) : x.ToString("G4", Inv);
    }

    static string Count(long n) => n.ToString("N0", Inv);

    static string Percent(double share) => (share * 100).ToString(share * 100 is > 0 and < 0.1 ? "0.###" : "0.#", Inv) + "%";

    /// <summary>An SVG coordinate: whole units (a pixel at the drawn size), invariant.</summary>
    static string P(double x) => Math.Round(x, MidpointRounding.AwayFromZero).ToString("0", Inv);

    /// <summary>Escapes text for HTML element content and double-quoted attributes.</summary>
    static string E(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 8);
        foreach (char ch in text)
        {
            switch (ch)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default:
                    if (char.IsControl(ch) && ch != '\n' && ch != '\t') sb.Append("&#xFFFD;"); // no raw control bytes in the page
                    else sb.Append(ch);
                    break;
            }
        }
        return sb.ToString();
    }
}
