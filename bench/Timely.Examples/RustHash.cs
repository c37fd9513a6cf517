using System.Numerics;
using System.Runtime.CompilerServices;

namespace Timely.Examples;

/// <summary>
/// The data generator of Rust timely's examples, to the bit:
/// <c>BuildHasherDefault::&lt;DefaultHasher&gt;::new().hash_one(&amp;(i, index, field))</c>, which is
/// std's SipHash-1-3 with both keys zero over the tuple's fields written one after the other as
/// little-endian bytes (an integer's <c>Hash</c> writes its bytes and nothing else). So the
/// examples that take Rust's arguments make Rust's records: the same graph, the same keys and
/// values, per worker, and the same amount of hashing per record.
/// </summary>
/// <remarks>
/// The type of <c>i</c> differs between Rust's examples, and with it the bytes hashed: bfs ranges
/// over <c>0..edges/peers</c>, a <c>usize</c> (8 + 8 + 4 = 20 bytes, <see cref="Usize"/>);
/// pagerank, hashjoin and unionfind map an unconstrained <c>(0..)</c>, whose integers default to
/// <c>i32</c> (4 + 8 + 4 = 16 bytes, <see cref="Int32"/>). The field is an <c>i32</c> literal in all
/// four. Tests hold both forms to values Rust printed.
/// </remarks>
public static class RustHash
{
    /// <summary>Rust's <c>hash_one(&amp;(i, index, field))</c> with <c>i: usize</c> (bfs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Usize(ulong i, ulong index, int field)
    {
        var s = Sip13.Start();
        s.Compress(i);
        s.Compress(index);
        return s.Finish((20UL << 56) | (uint)field);
    }

    /// <summary>Rust's <c>hash_one(&amp;(i, index, field))</c> with <c>i: i32</c> (pagerank, hashjoin, unionfind).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Int32(int i, ulong index, int field)
    {
        var s = Sip13.Start();
        s.Compress((uint)i | (index << 32));
        s.Compress((index >> 32) | ((ulong)(uint)field << 32));
        return s.Finish(16UL << 56);
    }

    // SipHash-1-3's state: one round per 8-byte word, three to finish (Aumasson and Bernstein's
    // SipHash with c = 1, d = 3, as Rust's std uses it). The last word holds the message's tail
    // bytes and its length mod 256 in the top byte.
    private struct Sip13
    {
        private ulong _v0, _v1, _v2, _v3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Sip13 Start() => new()
        {
            // "somepseudorandomlygeneratedbytes" with both keys zero.
            _v0 = 0x736f_6d65_7073_6575,
            _v1 = 0x646f_7261_6e64_6f6d,
            _v2 = 0x6c79_6765_6e65_7261,
            _v3 = 0x7465_6462_7974_6573,
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Compress(ulong m)
        {
            _v3 ^= m;
            Round();
            _v0 ^= m;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Finish(ulong last)
        {
            Compress(last);
            _v2 ^= 0xff;
            Round();
            Round();
            Round();
            return _v0 ^ _v1 ^ _v2 ^ _v3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Round()
        {
            _v0 += _v1; _v1 = BitOperations.RotateLeft(_v1, 13); _v1 ^= _v0; _v0 = BitOperations.RotateLeft(_v0, 32);
            _v2 += _v3; _v3 = BitOperations.RotateLeft(_v3, 16); _v3 ^= _v2;
            _v0 += _v3; _v3 = BitOperations.RotateLeft(_v3, 21); _v3 ^= _v0;
            _v2 += _v1; _v1 = BitOperations.RotateLeft(_v1, 17); _v1 ^= _v2; _v2 = BitOperations.RotateLeft(_v2, 32);
        }
    }
}
