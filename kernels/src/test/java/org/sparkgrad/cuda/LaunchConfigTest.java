package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LaunchConfigTest {
    @Test
    void linearCoversSmallSizesAndCapsLargeOnes() {
        assertEquals(1, LaunchConfig.linear(0, 80).gridX());
        assertEquals(1, LaunchConfig.linear(256, 80).gridX());
        assertEquals(2, LaunchConfig.linear(257, 80).gridX());
        assertEquals(80 * LaunchConfig.MAX_BLOCKS_PER_SM, LaunchConfig.linear(1L << 40, 80).gridX());
        assertEquals(256, LaunchConfig.linear(10, 80).blockX());
    }

    @Test
    void rowPerBlockSizesTheBlockToTheRow() {
        assertEquals(32, LaunchConfig.rowPerBlock(10, 5, 80, 1024).blockX());
        assertEquals(128, LaunchConfig.rowPerBlock(10, 100, 80, 1024).blockX());
        assertEquals(1024, LaunchConfig.rowPerBlock(10, 100_000, 80, 1024).blockX());
        assertEquals(10, LaunchConfig.rowPerBlock(10, 100, 80, 1024).gridX());
    }
}
