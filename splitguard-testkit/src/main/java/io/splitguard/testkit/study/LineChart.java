package io.splitguard.testkit.study;

import java.util.List;
import java.util.Locale;

/**
 * A small hand-written SVG line chart: enough for one figure in the docs, with no plotting
 * library to depend on.
 */
final class LineChart {
  private LineChart() {}

  /**
   * One line.
   *
   * @param label legend text
   * @param color CSS colour
   * @param dashed whether to draw it dashed
   * @param xs x values
   * @param ys y values, same length
   */
  record Series(String label, String color, boolean dashed, double[] xs, double[] ys) {}

  static String svg(String title, String xLabel, String yLabel, List<Series> series) {
    int width = 820;
    int height = 480;
    int left = 70;
    int right = 250;
    int top = 40;
    int bottom = 60;
    double xMin = Double.MAX_VALUE;
    double xMax = -Double.MAX_VALUE;
    double yMax = -Double.MAX_VALUE;
    double yMin = Double.MAX_VALUE;
    for (Series s : series) {
      for (double x : s.xs()) {
        xMin = Math.min(xMin, x);
        xMax = Math.max(xMax, x);
      }
      for (double y : s.ys()) {
        yMax = Math.max(yMax, y);
        yMin = Math.min(yMin, y);
      }
    }
    // The y axis spans the data, not zero to max: the differences are what the chart is for.
    double yStep = niceStep(Math.max(yMax - yMin, 1e-9) / 6);
    double yBottom = Math.floor(yMin / yStep) * yStep;
    double yTop = Math.max(yBottom + yStep, Math.ceil(yMax / yStep) * yStep);
    double plotW = width - left - right;
    double plotH = height - top - bottom;
    final double x0 = xMin;
    final double xSpan = Math.max(1e-9, xMax - xMin);
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
        width, height, width, height));
    b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    b.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", left,
        escape(title)));
    // Grid and y ticks.
    for (double y = yBottom; y <= yTop + 1e-9; y += yStep) {
      double py = top + plotH - (y - yBottom) / (yTop - yBottom) * plotH;
      b.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
          left, py, left + plotW, py));
      b.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 6, py + 4,
          trim(y)));
    }
    // x ticks at every integer.
    for (double x = Math.ceil(xMin); x <= xMax + 1e-9; x += 1) {
      double px = left + (x - x0) / xSpan * plotW;
      b.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
          px, top, px, top + plotH));
      b.append(String.format(Locale.ROOT,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>%n", px, top + plotH + 18,
          trim(x)));
    }
    b.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>%n",
        left, top, plotW, plotH));
    b.append(String.format(Locale.ROOT,
        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", left + plotW / 2,
        height - 18, escape(xLabel)));
    b.append(String.format(Locale.ROOT,
        "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>%n",
        top + plotH / 2, escape(yLabel)));
    int legendY = top + 10;
    for (Series s : series) {
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < s.xs().length; i++) {
        double px = left + (s.xs()[i] - x0) / xSpan * plotW;
        double py = top + plotH - (s.ys()[i] - yBottom) / (yTop - yBottom) * plotH;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      }
      String dash = s.dashed() ? " stroke-dasharray=\"6 4\"" : "";
      b.append(String.format(Locale.ROOT,
          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>%n",
          s.color(), dash, points.toString().strip()));
      b.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
          left + plotW + 15, legendY, left + plotW + 45, legendY, s.color(), dash));
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n",
          left + plotW + 52, legendY + 4, escape(s.label())));
      legendY += 20;
    }
    b.append("</svg>\n");
    return b.toString();
  }

  private static double niceStep(double raw) {
    if (raw <= 0) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / magnitude;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
