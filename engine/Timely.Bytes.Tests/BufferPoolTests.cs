namespace Timely.Bytes.Tests;

public class BufferPoolTests
{
    [Fact]
    public void Rent_gives_at_least_the_requested_length_and_reuses_returned_arrays()
    {
        var pool = new BufferPool(1 << 20, 4);
        byte[] a = pool.Rent(1000);
        Assert.True(a.Length >= 1000);
        pool.Return(a);
        byte[] b = pool.Rent(1000);
        Assert.Same(a, b);
        pool.Return(b);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Rent_above_the_cap_allocates_exactly_and_return_accepts_it()
    {
        var pool = new BufferPool(4096, 4);
        byte[] big = pool.Rent(10_000);
        Assert.True(big.Length >= 10_000);
        pool.Return(big);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BufferPool(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BufferPool.Shared.Rent(-1));
        Assert.Throws<ArgumentNullException>(() => BufferPool.Shared.Return(null!));
    }

#if DEBUG
    [Fact]
    public void Debug_build_tracks_outstanding_and_detects_double_return()
    {
        var pool = new BufferPool(1 << 20, 4);
        byte[] a = pool.Rent(64);
        Assert.Equal(1, pool.Outstanding);
        pool.Return(a);
        Assert.Equal(0, pool.Outstanding);
        Assert.Throws<InvalidOperationException>(() => pool.Return(a));
        Assert.Throws<InvalidOperationException>(() => pool.Return(new byte[64]));
    }
#else
    [Fact]
    public void Release_build_does_not_track_rentals()
    {
        // Tracking costs a ConditionalWeakTable update per rental, so it is DEBUG-only:
        // in Release Outstanding stays 0 even with a rental open.
        var pool = new BufferPool(1 << 20, 4);
        byte[] a = pool.Rent(64);
        Assert.Equal(0, pool.Outstanding);
        pool.Return(a);
    }
#endif
}
