package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PtxIsaTest {
    @Test
    void readsVersionAndTarget() {
        PtxIsa isa = PtxIsa.of("// comment\n.version 9.0\n.target sm_75\n");
        assertEquals("9.0", isa.isaVersion());
        assertEquals(75, isa.targetComputeCapability());
        assertEquals(13000, isa.minDriverVersion());
    }

    @Test
    void driverCheck() {
        PtxIsa isa85 = PtxIsa.of(".version 8.5\n.target sm_75\n");
        assertNull(isa85.driverProblem(12060));
        assertNull(isa85.driverProblem(13000));
        String problem = isa85.driverProblem(12020);
        assertNotNull(problem);
        assertTrue(problem.contains("12.2") && problem.contains("12.5"), problem);
    }

    @Test
    void unknownNewerIsaNeedsANewerDriver() {
        PtxIsa future = PtxIsa.of(".version 9.9\n.target sm_75\n");
        assertTrue(future.minDriverVersion() > 13000);
    }

    @Test
    void rejectsNonPtx() {
        assertThrows(IllegalArgumentException.class, () -> PtxIsa.of("hello"));
    }

    @Test
    void formatsCudaVersions() {
        assertEquals("12.6", PtxIsa.formatCuda(12060));
        assertEquals("13.0", PtxIsa.formatCuda(13000));
    }
}
