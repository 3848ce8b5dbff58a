package org.sparkgrad.spark.ml;

import java.io.Serializable;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.sparkgrad.backend.Backends;
import org.sparkgrad.nn.Module;
import org.sparkgrad.nn.spec.NetworkSpec;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.train.Optimizers;

/**
 * The plain-data training configuration shipped to executors (strings and numbers only), and the
 * executor-side construction of network, optimizer and device from it.
 */
final class TrainConfig implements Serializable {
    private static final long serialVersionUID = 1L;
    String network, moduleFactory, loss, optimizer, optimizerOptions, lrSchedule, device, precision;
    int[] featuresShape, labelShape;
    int featureSize, labelSize, outputs, batchSize, averagingFrequency;
    double learningRate;
    long seed, totalSteps;
    /** Identifies one fit, so executors can reuse network instances between its rounds. */
    String fitId = java.util.UUID.randomUUID().toString();
    boolean averageOptimizerState;
    TaskKind kind;

    static TrainConfig from(SparkgradParams p, TaskKind kind) {
        TrainConfig c = new TrainConfig();
        c.network = p.getNetwork();
        c.moduleFactory = p.getModuleFactory();
        c.loss = p.getLoss();
        c.optimizer = p.getOptimizer();
        c.optimizerOptions = p.getOptimizerOptions();
        c.lrSchedule = p.getLrSchedule();
        c.device = p.getDevice();
        c.precision = p.getPrecision();
        c.batchSize = p.getBatchSize();
        c.averagingFrequency = p.getAveragingFrequency();
        c.learningRate = p.getLearningRate();
        c.seed = p.getSeed();
        c.averageOptimizerState = p.getAverageOptimizerState();
        c.kind = kind;
        return c;
    }

    /**
     * The autocast dtype of {@code precision} on {@code dev}: null for float32.
     *
     * @throws IllegalStateException for mixed precision on a device other than the CPU
     */
    org.sparkgrad.tensor.DType autocastDType(Device dev) {
        if (precision == null || "float32".equals(precision)) return null;
        if (dev.type() != Device.Type.CPU) {
            throw new IllegalStateException("precision=" + precision + " needs the CPU (float16/bfloat16 tensors are CPU-only in "
                    + "Sparkgrad) but this task runs on " + dev + "; set device=cpu or precision=float32");
        }
        return "bfloat16".equals(precision) ? org.sparkgrad.tensor.DType.BFLOAT16 : org.sparkgrad.tensor.DType.FLOAT16;
    }

    /** A new network with weights from {@code seed}. */
    Module buildModel(long seed) {
        if (moduleFactory != null && !moduleFactory.isEmpty()) {
            try {
                ModuleFactory f = (ModuleFactory) Class.forName(moduleFactory, true, Thread.currentThread().getContextClassLoader())
                        .getDeclaredConstructor().newInstance();
                return f.create(featuresShape.clone(), outputs, seed);
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException("cannot instantiate moduleFactory '" + moduleFactory
                        + "' (needs a public no-argument constructor and to implement ModuleFactory)", e);
            }
        }
        return NetworkSpec.parse(network).build(seed);
    }

    Optimizer buildOptimizer(Module m) {
        Map<String, Object> opts = Optimizers.parseOptions(optimizerOptions);
        return Optimizers.create(optimizer, m.parameters(), learningRate, opts);
    }

    /**
     * The device for this task: the GPU Spark assigned to it ({@code TaskContext.resources().get("gpu")})
     * when {@code device} is cuda or auto and the CUDA backend is available; the CPU otherwise.
     *
     * @throws IllegalStateException when {@code device=cuda} but no usable GPU is there
     */
    Device resolveDevice() {
        if ("cpu".equals(device)) return Device.CPU;
        Integer ordinal = null;
        TaskContext tc = TaskContext.get();
        if (tc != null) {
            scala.Option<ResourceInformation> gpu = tc.resources().get("gpu");
            if (gpu.isDefined() && gpu.get().addresses().length > 0) ordinal = Integer.parseInt(gpu.get().addresses()[0].trim());
        }
        boolean cuda = Backends.isAvailable(Device.Type.CUDA);
        if ("cuda".equals(device)) {
            if (!cuda) throw new IllegalStateException("device=cuda but " + Backends.unavailableReason(Device.Type.CUDA));
            return Device.cuda(ordinal == null ? 0 : ordinal);
        }
        return ordinal != null && cuda ? Device.cuda(ordinal) : Device.CPU;
    }
}
