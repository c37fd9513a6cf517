using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Timely.Bytes;

namespace Timely.Transport.Shm.Memory;

/// <summary>
/// A range of unmanaged memory given by address and length: the only type in this project
/// that holds a pointer, so that unsafe code is confined to one small type a reviewer can
/// read whole. Everything else sees <see cref="Span{T}"/> slices and
/// <c>ref long</c>/<c>ref int</c> cells handed out here, each bounds-checked.
/// </summary>
/// <remarks>
/// Two origins, one type, so a ring does not care where its bytes live:
/// <see cref="Allocate"/> owns zeroed native memory aligned to <see cref="CacheLine.Size"/>
/// (in-process rings, the <c>ProcessBinary</c> allocator) and frees it on
/// <see cref="Dispose"/>; <see cref="Wrap"/> borrows an address owned by someone else
/// (a memory-mapped file shared by two processes) and never frees it.
/// Not synchronized against <see cref="Dispose"/>: dispose only once every thread using
/// the region has stopped. After disposal every access throws
/// <see cref="ObjectDisposedException"/> (the length drops to 0, so the bounds check that
/// is already on the path catches it; the slow throw path tells the two cases apart).
/// </remarks>
public sealed unsafe class MemoryRegion : IDisposable
{
    private byte* _pointer;
    private byte* _allocation;   // what Allocate got from the allocator (_pointer rounded up to a cache line lies in it); null when not owned
    private long _length;
    private readonly bool _ownsMemory;
    private readonly SafeMemoryMappedViewHandle? _view;
    private static bool _probeRefused;

    private MemoryRegion(byte* pointer, long length, bool ownsMemory, SafeMemoryMappedViewHandle? view = null)
    {
        _pointer = pointer;
        _length = length;
        _ownsMemory = ownsMemory;
        _view = view;
    }

    /// <summary>
    /// Frees owned memory a caller forgot to dispose; borrowed memory is left alone, and so is
    /// a view's pointer count (the view's own handle may already be finalized; its release
    /// unmaps regardless).
    /// </summary>
    ~MemoryRegion() => Free(disposing: false);

    /// <summary>Allocates <paramref name="length"/> zeroed bytes aligned to <see cref="CacheLine.Size"/>.</summary>
    public static MemoryRegion Allocate(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);

        // calloc, not an aligned allocation cleared here: a block this large comes from its own
        // anonymous mapping, whose pages the kernel zeroes when they are first touched, so
        // calloc skips the clear, and a ring's pages cost nothing until a message reaches them.
        // Clearing the 1 MiB local ring of each shared-memory process at its start was 3.8% of
        // a native shm x2 wordcount's samples (page faults of pages no message ever used).
        byte* allocation = (byte*)NativeMemory.AllocZeroed((nuint)(length + CacheLine.Size));
        byte* aligned = (byte*)(((nuint)allocation + (nuint)(CacheLine.Size - 1)) & ~(nuint)(CacheLine.Size - 1));
        return new MemoryRegion(aligned, length, ownsMemory: true) { _allocation = allocation };
    }

    /// <summary>
    /// Borrows <paramref name="length"/> bytes at <paramref name="address"/>; the caller keeps
    /// ownership and must keep the memory alive until this region is disposed.
    /// </summary>
    /// <remarks>
    /// The address must be aligned to <see cref="CacheLine.Size"/> (a mapping is page-aligned):
    /// the ring's padded counters rely on it, and 8-byte cells must be naturally aligned for
    /// <see cref="Volatile"/> accesses to be atomic.
    /// </remarks>
    public static MemoryRegion Wrap(nint address, long length)
    {
        if (address == 0)
        {
            throw new ArgumentNullException(nameof(address));
        }

        if (address % CacheLine.Size != 0)
        {
            throw new ArgumentException($"Address 0x{address:x} is not aligned to {CacheLine.Size} bytes.", nameof(address));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new MemoryRegion((byte*)address, length, ownsMemory: false);
    }

    /// <summary>
    /// The first <paramref name="length"/> bytes of a mapped view (a third origin, used by
    /// <see cref="MappedFile"/>): the view's pointer is acquired here, so the mapping cannot
    /// be unmapped under the region, and released on <see cref="Dispose"/>. The view itself
    /// stays owned by the caller, who disposes it after this region.
    /// </summary>
    public static MemoryRegion WrapView(SafeMemoryMappedViewHandle view, long length)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if ((ulong)length > view.ByteLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The view has only {view.ByteLength} bytes.");
        }

        byte* pointer = null;
        view.AcquirePointer(ref pointer);
        if ((nint)pointer % CacheLine.Size != 0)
        {
            view.ReleasePointer();
            throw new ArgumentException($"The view at 0x{(nint)pointer:x} is not aligned to {CacheLine.Size} bytes.", nameof(view));
        }

        return new MemoryRegion(pointer, length, ownsMemory: false, view);
    }

    /// <summary>Bytes in the region; 0 once disposed.</summary>
    public long Length => _length;

    /// <summary>True when <see cref="Dispose"/> frees the memory (it came from <see cref="Allocate"/>).</summary>
    public bool OwnsMemory => _ownsMemory;

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Slice(long offset, int length)
    {
        // Unsigned compares reject negative offsets along with ranges past the end, and a
        // negative length (widened to long first: a region may exceed 2^32 bytes) with them.
        if ((ulong)offset > (ulong)_length || (ulong)(long)length > (ulong)(_length - offset))
        {
            ThrowOutOfRange(offset, length);
        }

        return new Span<byte>(_pointer + offset, length);
    }

    /// <summary>The 8-byte cell at <paramref name="offset"/> (a multiple of 8), for <see cref="Volatile"/> access.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref long Int64At(long offset)
    {
        if (!IsCell(offset, 3))
        {
            ThrowOutOfRange(offset, sizeof(long));
        }

        return ref Unsafe.AsRef<long>(_pointer + offset);
    }

    /// <summary>The 4-byte cell at <paramref name="offset"/> (a multiple of 4), for <see cref="Volatile"/> access.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref int Int32At(long offset)
    {
        if (!IsCell(offset, 2))
        {
            ThrowOutOfRange(offset, sizeof(int));
        }

        return ref Unsafe.AsRef<int>(_pointer + offset);
    }

    /// <summary>
    /// Whether the <c>2^<paramref name="shift"/></c>-byte cell at <paramref name="offset"/> is
    /// aligned and inside the region, in one compare: rotated right by the shift, an aligned
    /// offset is its cell index, a misaligned one has a low bit at the top (at least 2^61) and
    /// a negative one its sign bit at 63 - shift, both past any cell count of a region (under
    /// 2^63 bytes). An aligned offset is a whole cell inside iff its index is below
    /// <c>length &gt;&gt; shift</c>; a disposed region (length 0) has no cells. Three compares
    /// before (alignment, start, end): each ring commit makes three such checks, each ring look one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsCell(long offset, int shift) =>
        System.Numerics.BitOperations.RotateRight((ulong)offset, shift) < (ulong)(_length >> shift);

    /// <summary>
    /// Copies the bytes at <paramref name="offset"/> into <paramref name="destination"/> the way
    /// a system call reads user memory: false when a page of them has left the mapping (its
    /// file was truncated under it), where a plain read would raise SIGBUS and kill the process.
    /// </summary>
    /// <remarks>
    /// One system call per use (<c>process_vm_readv</c> on this process, about a microsecond):
    /// for set-up and liveness checks of a file another process can reach, never the message
    /// path. Where the kernel refuses the call (a seccomp profile), the copy is a plain one and
    /// the caller's length check before it is the only protection.
    /// </remarks>
    public bool TryProbeRead(long offset, Span<byte> destination)
    {
        var source = Slice(offset, destination.Length);
        fixed (byte* from = source)
        fixed (byte* to = destination)
        {
            return Probe(from, to, destination.Length, mappedIsDestination: false);
        }
    }

    /// <summary>
    /// Reads the <typeparamref name="T"/> at <paramref name="offset"/> through
    /// <see cref="TryProbeRead(long, Span{byte})"/>: false, and <paramref name="value"/> the default,
    /// when a page of it has left the mapping.
    /// </summary>
    /// <remarks>
    /// The value is in this machine's byte order, as <see cref="Int32At"/> and <see cref="Int64At"/>
    /// see it, and need not be aligned. A full fence follows the copy, so the read orders like
    /// a <see cref="Volatile"/> read (an acquire); it is a copy, not one atomic load, so a
    /// word another process writes meanwhile may be read half old.
    /// </remarks>
    public bool TryProbeRead<T>(long offset, out T value)
        where T : unmanaged
    {
        value = default;
        bool read = TryProbeRead(offset, MemoryMarshal.AsBytes(new Span<T>(ref value)));
        Interlocked.MemoryBarrier();
        if (!read)
        {
            value = default;   // a copy that failed part way may have written some of it
        }

        return read;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to the bytes at <paramref name="offset"/> the way a system
    /// call writes user memory: false when a page of them has left the mapping, where a plain
    /// write would raise SIGBUS (see <see cref="TryProbeRead(long, Span{byte})"/>).
    /// </summary>
    public bool TryProbeWrite(long offset, ReadOnlySpan<byte> source)
    {
        var destination = Slice(offset, source.Length);
        fixed (byte* from = source)
        fixed (byte* to = destination)
        {
            return Probe(from, to, source.Length, mappedIsDestination: true);
        }
    }

    private static bool Probe(byte* from, byte* to, int count, bool mappedIsDestination)
    {
        if (count == 0)
        {
            return true;
        }

        if (!Volatile.Read(ref _probeRefused))
        {
            int errno = Interop.Posix.CopyThroughKernel((nint)from, (nint)to, count, mappedIsDestination);
            if (errno == 0)
            {
                return true;
            }

            if (errno == Interop.Posix.EFAULT)
            {
                return false;
            }

            Volatile.Write(ref _probeRefused, true);   // not allowed here: plain copies from now on
        }

        Buffer.MemoryCopy(from, to, count, count);
        return true;
    }

    /// <summary>Frees owned memory; borrowed memory stays with its owner. Idempotent.</summary>
    public void Dispose()
    {
        Free(disposing: true);
        GC.SuppressFinalize(this);
    }

    private void Free(bool disposing)
    {
        byte* pointer = _pointer;
        byte* allocation = _allocation;
        _pointer = null;
        _allocation = null;
        _length = 0;
        if (_ownsMemory && allocation != null)
        {
            NativeMemory.Free(allocation);
        }
        else if (disposing && _view is not null && pointer != null)
        {
            _view.ReleasePointer();
        }
    }

    // Not NoInlining: the JIT reads this body, sees that it never returns, and so moves each
    // check's failure out of the hot code without keeping the caller's registers alive across
    // it. A NoInlining thrower with a branch in it was a call that might return: every
    // Int64At in the ring's commit and look spilled and reloaded its operands around it
    // (callgrind of the two-fabric harness, Native AOT). The exception is built out of line.
    [DoesNotReturn]
    private void ThrowOutOfRange(long offset, int length) => throw OutOfRange(offset, length);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Exception OutOfRange(long offset, int length) =>
        _pointer == null ? new ObjectDisposedException(GetType().FullName) : ThrowHelper.RegionOutOfRange(offset, length, _length);
}
