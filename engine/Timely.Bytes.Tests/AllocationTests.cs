namespace Timely.Bytes.Tests;

public class AllocationTests
{
    [Fact]
    public void List_of_u64_measure_write_and_recycled_read_allocate_nothing()
    {
        IWireCodec<List<ulong>> codec = WireCodec<List<ulong>>.Default;
        var source = new List<ulong>();
        for (ulong i = 0; i < 1000; i++)
        {
            source.Add(i * 31);
        }

        var buffer = new byte[codec.Measure(source)];
        var target = new List<ulong>(1000);

        // Warm up so the measured loop sees no one-time JIT or static-initialisation allocation.
        int expected = RoundTrip(codec, source, buffer, ref target);
        Assert.Equal(8 + (1000 * 8), expected);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int i = 0; i < 100; i++)
        {
            total += RoundTrip(codec, source, buffer, ref target);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(100 * expected, total);
        Assert.Equal(source, target);
    }

    // No xunit asserts in here: Assert.Equal allocates comparers, which would be counted.
    private static int RoundTrip(IWireCodec<List<ulong>> codec, List<ulong> source, byte[] buffer, ref List<ulong> target)
    {
        int n = codec.Measure(source);
        int written = codec.Write(buffer, source);
        int read = codec.Read(buffer.AsSpan(0, written), ref target);
        return n == read ? read : -1;
    }
}
