package org.sparkgrad.arrow.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.sparkgrad.arrow.ArrowDataException;
import org.sparkgrad.arrow.DatasetSummary;
import org.sparkgrad.arrow.RawDataset;
import org.sparkgrad.arrow.SpacetimeWindows;
import org.sparkgrad.arrow.TensorColumn;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sparkgrad-data}: look at and prepare columnar training data.
 *
 * <pre>
 * sparkgrad-data describe PATH [--shape col=1,8,8]...
 * sparkgrad-data convert RAW_DIR OUT.parquet [--column ARRAY[:NAME]]... [--shape NAME=d,d,..]... [--divide NAME=255]...
 * sparkgrad-data windows RAW_DIR OUT.parquet --data temp --mask mask [--history 2] [--patch 16,16] [--stride 8,8]
 *                [--min-valid 0.3] [--cyclic]
 * </pre>
 * Exit status: 0 on success, 1 for bad data ({@link ArrowDataException}), 2 for bad usage.
 */
@Command(name = "sparkgrad-data", mixinStandardHelpOptions = true, version = "sparkgrad-data 0.1.0",
        description = "Describe and convert tensor datasets (Parquet, Arrow IPC, raw little-endian arrays).",
        subcommands = {SparkgradData.Describe.class, SparkgradData.Convert.class, SparkgradData.Windows.class})
public final class SparkgradData implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: describe, convert, windows");
    }

    /** Runs the tool; returns the exit status (see the class notes). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new SparkgradData());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ArrowDataException || ex instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return ex instanceof ArrowDataException ? 1 : 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        int rc = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(rc);
    }

    static Map<String, int[]> shapes(List<String> specs) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (String s : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--shape wants NAME=d1,d2,..., got " + s);
            }
            String dims = s.substring(eq + 1).trim();
            m.put(s.substring(0, eq), TensorColumn.parseShape(dims.startsWith("[") ? dims : "[" + dims + "]"));
        }
        return m;
    }

    static int[] pair(String s, String what) {
        String[] p = s.split(",");
        if (p.length != 2) {
            throw new IllegalArgumentException(what + " wants two integers a,b, got " + s);
        }
        return new int[] {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Print files, rows, row groups, schema, tensor shapes and min/max/mean per numeric column.")
    static final class Describe implements Callable<Integer> {
        @Parameters(index = "0", description = "A Parquet / Arrow IPC file, or a folder of them.")
        Path path;

        @Option(names = "--shape", description = "Per-sample shape of a column, NAME=d1,d2,... (repeatable).")
        List<String> shapes = new ArrayList<>();

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (BufferAllocator al = new RootAllocator()) {
                spec.commandLine().getOut().print(DatasetSummary.of(path, shapes(shapes), al));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Convert a raw dataset folder (meta.json + little-endian .f32/.i32/.u8) to Parquet "
                    + "(or Arrow IPC for .arrow/.arrows) with shape metadata.")
    static final class Convert implements Callable<Integer> {
        @Parameters(index = "0", description = "Folder with meta.json.")
        Path dir;

        @Parameters(index = "1", description = "Output file.")
        Path out;

        @Option(names = "--column", description = "ARRAY[:NAME] to write (repeatable; default: every array with as "
                + "many rows as the first one, under its own name).")
        List<String> columns = new ArrayList<>();

        @Option(names = "--shape", description = "Per-sample shape of an output column, NAME=d1,d2,...")
        List<String> shapes = new ArrayList<>();

        @Option(names = "--divide", description = "Divide an output column by a number, NAME=255 (floats result).")
        List<String> divide = new ArrayList<>();

        @Option(names = "--row-group-rows", description = "Rows per row group (default: ~4 MiB of data).")
        int rowGroupRows;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            RawDataset ds = RawDataset.open(dir);
            Map<String, int[]> shp = shapes(shapes);
            Map<String, Double> div = new LinkedHashMap<>();
            for (String d : divide) {
                String[] kv = d.split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("--divide wants NAME=number, got " + d);
                }
                div.put(kv[0], Double.parseDouble(kv[1]));
            }
            List<String> cols = new ArrayList<>(columns);
            if (cols.isEmpty()) {
                int rows = -1;
                for (RawDataset.Array a : ds.arrays().values()) {
                    if (rows < 0) {
                        rows = a.shape()[0];
                    }
                    if (a.shape()[0] == rows) {
                        cols.add(a.name());
                    }
                }
            }
            List<RawDataset.ColumnSpec> specs = new ArrayList<>();
            for (String c : cols) {
                String[] an = c.split(":", 2);
                String name = an.length == 2 ? an[1] : an[0].replace('/', '_');
                specs.add(new RawDataset.ColumnSpec(an[0], name, shp.get(name), div.getOrDefault(name, 1.0), false));
            }
            long rows = ds.toParquet(out, specs, rowGroupRows);
            spec.commandLine().getOut().println("wrote " + rows + " rows to " + out);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "windows", mixinStandardHelpOptions = true,
            description = "Cut sliding spacetime windows (input t-k..t, target t+1, patch of depth x lat x lon) out of a "
                    + "4-D raw array into a Parquet training set, skipping patches with too little valid (ocean) area.")
    static final class Windows implements Callable<Integer> {
        @Parameters(index = "0", description = "Folder with meta.json.")
        Path dir;

        @Parameters(index = "1", description = "Output Parquet file.")
        Path out;

        @Option(names = "--data", required = true, description = "The 4-D (T, D, H, W) array, e.g. temp.")
        String data;

        @Option(names = "--mask", description = "The (D, H, W) validity mask array, e.g. mask (nonzero = valid).")
        String mask;

        @Option(names = "--history", defaultValue = "2", description = "k: inputs are t-k..t (default ${DEFAULT-VALUE}).")
        int history;

        @Option(names = "--patch", defaultValue = "16,16", description = "Patch lat,lon cells (default ${DEFAULT-VALUE}).")
        String patch;

        @Option(names = "--stride", defaultValue = "8,8", description = "Stride lat,lon (default ${DEFAULT-VALUE}).")
        String stride;

        @Option(names = "--min-valid", defaultValue = "0.3",
                description = "Least valid fraction of a patch (default ${DEFAULT-VALUE}).")
        double minValid;

        @Option(names = "--cyclic", description = "Time is cyclic (a climatology: Dec -> Jan).")
        boolean cyclic;

        @Option(names = "--row-group-rows", description = "Rows per row group (default: ~4 MiB of data).")
        int rowGroupRows;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            RawDataset ds = RawDataset.open(dir);
            int[] p = pair(patch, "--patch");
            int[] s = pair(stride, "--stride");
            SpacetimeWindows.Builder b = SpacetimeWindows.builder(ds.array(data)).history(history).patch(p[0], p[1])
                    .stride(s[0], s[1]).minValidFraction(minValid).cyclic(cyclic);
            if (mask != null) {
                b.mask(ds.array(mask));
            }
            if (rowGroupRows > 0) {
                b.rowGroupRows(rowGroupRows);
            }
            SpacetimeWindows.Result r = b.build().write(out);
            spec.commandLine().getOut().println("wrote " + r.windows() + " windows to " + out + ": input "
                    + Arrays.toString(r.inputShape()) + ", target " + Arrays.toString(r.targetShape()) + "; skipped "
                    + r.skipped() + " patches with < " + minValid + " valid");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
