// Fused optimizer updates over flat contiguous parameter / gradient / state buffers of n elements, one thread
// per element (grid-stride). The formulas are PyTorch's single-tensor implementations (torch/optim/*.py,
// foreach=False), step by step in the same order; scalar factors that depend on the step count (bias
// corrections, the Adagrad decayed lr) are computed by the caller in double and passed in.
//
// SGD (momentum, dampening, nesterov, weight decay, maximize):
//   d = maximize ? -g : g;  if wd != 0: d = d + wd * p
//   if momentum != 0: buf = firstStep ? d : momentum * buf + (1 - dampening) * d
//                     d = nesterov ? d + momentum * buf : buf
//   p = p - lr * d
// Adam / AdamW (amsgrad, maximize); step_size = lr / (1 - beta1^t), bc2Sqrt = sqrt(1 - beta2^t):
//   d = maximize ? -g : g
//   AdamW (decoupled != 0): p = p * (1 - lr * wd)      Adam: if wd != 0: d = d + wd * p
//   m = beta1 * m + (1 - beta1) * d;   v = beta2 * v + (1 - beta2) * d * d
//   amsgrad: vmax = max(vmax, v); denom = sqrt(vmax) / bc2Sqrt + eps   else denom = sqrt(v) / bc2Sqrt + eps
//   p = p - step_size * m / denom
// RMSprop (alpha, eps, wd, momentum, centered, maximize):
//   d = maximize ? -g : g; if wd != 0: d = d + wd * p
//   sq = alpha * sq + (1 - alpha) * d * d
//   centered: ga = alpha * ga + (1 - alpha) * d; avg = sqrt(sq - ga * ga) + eps   else avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum * buf + d / avg; p = p - lr * buf    else p = p - lr * d / avg
// Adagrad (clr = lr / (1 + (step - 1) * lr_decay) from the caller):
//   d = maximize ? -g : g; if wd != 0: d = d + wd * p
//   sum = sum + d * d;  p = p - clr * d / (sqrt(sum) + eps)
#include "sg_common.cuh"

template <typename T>
__device__ void sgd_step(long long n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, double lrD,
                         double momentumD, double dampeningD, double wdD, int nesterov, int maximize, int firstStep) {
    const T lr = (T)lrD, momentum = (T)momentumD, oneMinusDamp = (T)(1.0 - dampeningD), wd = (T)wdD;
    SG_GRID_LOOP(i, n) {
        T d = maximize ? -g[i] : g[i];
        const T pi = p[i];
        if (wdD != 0.0) d = d + wd * pi;
        if (momentumD != 0.0) {
            T b = firstStep ? d : momentum * buf[i] + oneMinusDamp * d;
            buf[i] = b;
            d = nesterov ? d + momentum * b : b;
        }
        p[i] = pi - lr * d;
    }
}

template <typename T>
__device__ void adam_step(long long n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                          T* __restrict__ v, T* __restrict__ vmax, double lrD, double beta1D, double beta2D,
                          double epsD, double wdD, int decoupled, int amsgrad, int maximize, double stepSizeD,
                          double bc2SqrtD) {
    const T beta1 = (T)beta1D, beta2 = (T)beta2D, omb1 = (T)(1.0 - beta1D), omb2 = (T)(1.0 - beta2D);
    const T eps = (T)epsD, wd = (T)wdD, stepSize = (T)stepSizeD, bc2Sqrt = (T)bc2SqrtD;
    const T decay = (T)(1.0 - lrD * wdD);
    SG_GRID_LOOP(i, n) {
        T d = maximize ? -g[i] : g[i];
        T pi = p[i];
        if (wdD != 0.0) {
            if (decoupled) pi = pi * decay;
            else d = d + wd * pi;
        }
        const T mi = beta1 * m[i] + omb1 * d;
        const T vi = beta2 * v[i] + omb2 * d * d;
        m[i] = mi;
        v[i] = vi;
        T denom;
        if (amsgrad) {
            const T vm = (vi > vmax[i] || vi != vi) ? vi : vmax[i];  // torch.maximum: NaN propagates (fmax drops it)
            vmax[i] = vm;
            denom = sqrt(vm) / bc2Sqrt + eps;
        } else {
            denom = sqrt(vi) / bc2Sqrt + eps;
        }
        p[i] = pi - stepSize * (mi / denom);
    }
}

template <typename T>
__device__ void rmsprop_step(long long n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sq,
                             T* __restrict__ gavg, T* __restrict__ buf, double lrD, double alphaD, double epsD,
                             double wdD, double momentumD, int centered, int maximize) {
    const T lr = (T)lrD, alpha = (T)alphaD, oma = (T)(1.0 - alphaD), eps = (T)epsD, wd = (T)wdD;
    const T momentum = (T)momentumD;
    SG_GRID_LOOP(i, n) {
        T d = maximize ? -g[i] : g[i];
        const T pi = p[i];
        if (wdD != 0.0) d = d + wd * pi;
        const T s = alpha * sq[i] + oma * d * d;
        sq[i] = s;
        T avg;
        if (centered) {
            const T ga = alpha * gavg[i] + oma * d;
            gavg[i] = ga;
            avg = sqrt(s - ga * ga) + eps;
        } else {
            avg = sqrt(s) + eps;
        }
        if (momentumD > 0.0) {
            const T b = momentum * buf[i] + d / avg;
            buf[i] = b;
            p[i] = pi - lr * b;
        } else {
            p[i] = pi - lr * (d / avg);
        }
    }
}

template <typename T>
__device__ void adagrad_step(long long n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sum,
                             double clrD, double epsD, double wdD, int maximize) {
    const T clr = (T)clrD, eps = (T)epsD, wd = (T)wdD;
    SG_GRID_LOOP(i, n) {
        T d = maximize ? -g[i] : g[i];
        const T pi = p[i];
        if (wdD != 0.0) d = d + wd * pi;
        const T s = sum[i] + d * d;
        sum[i] = s;
        p[i] = pi - clr * (d / (sqrt(s) + eps));
    }
}

#define SG_OPTIM(SUF, T)                                                                                          \
    extern "C" __global__ void sg_sgd_step_##SUF(long long n, T* p, const T* g, T* buf, double lr,                 \
                                                 double momentum, double dampening, double weightDecay,            \
                                                 int nesterov, int maximize, int firstStep) {                      \
        sgd_step<T>(n, p, g, buf, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);           \
    }                                                                                                             \
    extern "C" __global__ void sg_adam_step_##SUF(long long n, T* p, const T* g, T* m, T* v, T* vmax, double lr,   \
                                                  double beta1, double beta2, double eps, double weightDecay,      \
                                                  int decoupled, int amsgrad, int maximize, double stepSize,       \
                                                  double biasCorrection2Sqrt) {                                    \
        adam_step<T>(n, p, g, m, v, vmax, lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad, maximize,       \
                     stepSize, biasCorrection2Sqrt);                                                              \
    }                                                                                                             \
    extern "C" __global__ void sg_rmsprop_step_##SUF(long long n, T* p, const T* g, T* squareAvg, T* gradAvg,      \
                                                     T* buf, double lr, double alpha, double eps,                  \
                                                     double weightDecay, double momentum, int centered,            \
                                                     int maximize) {                                               \
        rmsprop_step<T>(n, p, g, squareAvg, gradAvg, buf, lr, alpha, eps, weightDecay, momentum, centered,        \
                        maximize);                                                                                \
    }                                                                                                             \
    extern "C" __global__ void sg_adagrad_step_##SUF(long long n, T* p, const T* g, T* stateSum, double clr,       \
                                                     double eps, double weightDecay, int maximize) {               \
        adagrad_step<T>(n, p, g, stateSum, clr, eps, weightDecay, maximize);                                      \
    }

SG_OPTIM(f32, float)
SG_OPTIM(f64, double)
