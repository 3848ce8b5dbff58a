package org.sparkgrad.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Training curves as a PNG (XChart, headless): the loss on the left axis, an optional metric on the right. */
public final class Charts {
    private Charts() {}

    /**
     * One curve.
     *
     * @param name      legend entry, e.g. "train loss"
     * @param x         x values (rounds or steps)
     * @param y         y values, same length
     * @param rightAxis plot against the right-hand axis
     */
    public record Series(String name, double[] x, double[] y, boolean rightAxis) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values, " + y.length + " y values");
        }
    }

    /** {@code 1, 2, ..., n} as doubles. */
    public static double[] count(int n) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = i + 1;
        return r;
    }

    /**
     * Writes the curves to {@code png}.
     *
     * @param title  chart title
     * @param xLabel x-axis title
     * @param yLeft  left y-axis title
     * @param yRight right y-axis title (used when a series is on the right axis)
     * @throws IOException when the file cannot be written
     */
    public static void savePng(Path png, String title, String xLabel, String yLeft, String yRight, List<Series> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle(xLabel).yAxisTitle(yLeft).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setMarkerSize(4);
        boolean right = false;
        for (Series s : series) {
            if (s.x().length == 0) continue;
            XYSeries xs = chart.addSeries(s.name(), s.x(), s.y());
            xs.setMarker(s.x().length > 60 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            if (s.rightAxis()) {
                xs.setYAxisGroup(1);
                right = true;
            }
        }
        if (right) {
            chart.setYAxisGroupTitle(1, yRight);
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
