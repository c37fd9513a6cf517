using System.Buffers;
#if DEBUG
using System.Runtime.CompilerServices;
#endif

namespace Timely.Bytes;

/// <summary>
/// The one byte-buffer pool of the project (capped, leak-checked in DEBUG): serialization scratch space, ring
/// overflow queues and reassembly of fragmented messages all rent from here.
/// </summary>
/// <remarks>
/// Backed by its own <see cref="ArrayPool{T}"/> with a cap on the largest pooled array
/// and on arrays kept per size bucket, so a burst of large messages cannot pin memory
/// for the life of the process; larger requests are plain allocations that the GC
/// reclaims. In DEBUG builds every outstanding buffer is tracked, so a test can assert
/// <see cref="Outstanding"/> returns to zero (a leaked rental is a bug, not a slow leak).
/// </remarks>
public sealed class BufferPool
{
    /// <summary>Largest array the shared pool keeps: 16 MiB.</summary>
    public const int DefaultMaxArrayLength = 16 * 1024 * 1024;

    /// <summary>Arrays kept per size bucket by the shared pool.</summary>
    public const int DefaultMaxArraysPerBucket = 64;

    /// <summary>The process-wide pool.</summary>
    public static BufferPool Shared { get; } = new(DefaultMaxArrayLength, DefaultMaxArraysPerBucket);

    private readonly ArrayPool<byte> _pool;
#if DEBUG
    private readonly ConditionalWeakTable<byte[], object> _rented = new();
    private long _outstanding;
#endif

    /// <summary>Creates a pool that keeps arrays up to <paramref name="maxArrayLength"/> bytes.</summary>
    public BufferPool(int maxArrayLength, int maxArraysPerBucket)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxArrayLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxArraysPerBucket);
        MaxArrayLength = maxArrayLength;
        _pool = ArrayPool<byte>.Create(maxArrayLength, maxArraysPerBucket);
    }

    /// <summary>Largest array this pool keeps; larger rentals are allocated and dropped.</summary>
    public int MaxArrayLength { get; }

    /// <summary>Rentals not yet returned (DEBUG builds only; always 0 in Release).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Reads instance state in DEBUG builds.")]
    public long Outstanding
    {
        get
        {
#if DEBUG
            return Interlocked.Read(ref _outstanding);
#else
            return 0;
#endif
        }
    }

    /// <summary>Rents an array of at least <paramref name="minimumLength"/> bytes (contents undefined).</summary>
    public byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        byte[] array = _pool.Rent(minimumLength);
#if DEBUG
        _rented.AddOrUpdate(array, array);
        Interlocked.Increment(ref _outstanding);
#endif
        return array;
    }

    /// <summary>Returns an array obtained from <see cref="Rent"/>. Returning it twice is a bug.</summary>
    public void Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
#if DEBUG
        if (!_rented.Remove(array))
        {
            throw new InvalidOperationException("BufferPool.Return: array was not rented from this pool or was returned twice.");
        }

        Interlocked.Decrement(ref _outstanding);
#endif
        _pool.Return(array);
    }
}
