package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The signature checker that CudaBackendWiringTest relies on must catch wrong launches. */
class PtxSignaturesTest {
    private static RecordingOps.Launch launch(String module, String name, KernelArgs args) {
        return new RecordingOps.Launch(module, name, LaunchConfig.linear(10, 1), 0, args.params());
    }

    private static KernelArgs unaryArgs() {
        TensorDesc d = TensorDesc.of(0, new int[] {10}, new int[] {1});
        return new KernelArgs().i64(10).i32(3).desc(d).ptr(null).desc(d).ptr(null).f64(0).f64(0);
    }

    @Test
    void readsThePtxParameterLists() throws IOException {
        List<PtxSignatures.PtxParam> p = PtxSignatures.of("elementwise").get("sg_unary_f32");
        assertEquals(8, p.size());
        assertEquals(new PtxSignatures.PtxParam("u64", 8), p.get(0));
        assertEquals(new PtxSignatures.PtxParam("u32", 4), p.get(1));
        assertEquals(new PtxSignatures.PtxParam("b8", 72), p.get(2));
        assertEquals(new PtxSignatures.PtxParam("f64", 8), p.get(7));
        assertEquals(new PtxSignatures.PtxParam("b8", 164),
                PtxSignatures.of("pool").get("sg_maxpool_fwd_f32").get(1), "SgGeom is 41 ints");
    }

    @Test
    void acceptsARightLaunchAndRejectsWrongOnes() throws IOException {
        assertNull(PtxSignatures.mismatch(launch("elementwise", "sg_unary_f32", unaryArgs())));
        assertNotNull(PtxSignatures.mismatch(launch("elementwise", "sg_unary_f16", unaryArgs())), "no such kernel");
        TensorDesc d = TensorDesc.of(0, new int[] {10}, new int[] {1});
        String tooFew = PtxSignatures.mismatch(launch("elementwise", "sg_unary_f32",
                new KernelArgs().i64(10).i32(3).desc(d).ptr(null).desc(d).ptr(null).f64(0)));
        assertTrue(tooFew != null && tooFew.contains("7 arguments for 8"), tooFew);
        String intForDouble = PtxSignatures.mismatch(launch("elementwise", "sg_unary_f32",
                new KernelArgs().i64(10).i32(3).desc(d).ptr(null).desc(d).ptr(null).f64(0).i64(0)));
        assertTrue(intForDouble != null && intForDouble.contains("parameter 7"), intForDouble);
        String int32ForInt64 = PtxSignatures.mismatch(launch("elementwise", "sg_unary_f32",
                new KernelArgs().i32(10).i32(3).desc(d).ptr(null).desc(d).ptr(null).f64(0).f64(0)));
        assertTrue(int32ForInt64 != null && int32ForInt64.contains("parameter 0"), int32ForInt64);
        String wrongStruct = PtxSignatures.mismatch(launch("elementwise", "sg_unary_f32",
                new KernelArgs().i64(10).i32(3).struct(new int[17]).ptr(null).desc(d).ptr(null).f64(0).f64(0)));
        assertTrue(wrongStruct != null && wrongStruct.contains("parameter 2"), wrongStruct);
    }
}
