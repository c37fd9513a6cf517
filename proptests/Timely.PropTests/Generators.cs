using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Timely.PropTests;

/// <summary>Generators shared by the properties: values the codecs must carry exactly.</summary>
internal static class Generators
{
    // Text pieces chosen to cover every UTF-8 length: 1 byte (ASCII, including NUL and
    // punctuation), 2 (é, ß), 3 (CJK, €) and 4 (emoji, encoded as a surrogate pair in .NET).
    private static readonly string[] Pieces = ["a", "Z", "0", " ", ",", "\0", "\n", "é", "ß", "€", "中", "文", "😀", "🦀", "𝄞"];

    public static Gen<ulong> U64 { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<ulong>(),
        Gen.Elements(0UL, 1UL, ulong.MaxValue, (ulong)long.MaxValue, 1UL << 32));

    public static Gen<long> I64 { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<long>(),
        Gen.Elements(0L, -1L, long.MinValue, long.MaxValue));

    public static Gen<int> I32 { get; } = ArbMap.Default.GeneratorFor<int>();

    public static Gen<double> F64 { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<double>(),
        Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon));

    public static Gen<bool> Bool { get; } = ArbMap.Default.GeneratorFor<bool>();

    /// <summary>Valid Unicode strings (no lone surrogates: Rust's String cannot hold them), often empty.</summary>
    public static Gen<string> Text { get; } =
        Gen.Elements(Pieces).ListOf().Select(parts =>
        {
            var sb = new StringBuilder();
            foreach (string p in parts)
            {
                sb.Append(p);
            }

            return sb.ToString();
        });

    /// <summary>
    /// A program of dataflow actions: a head value in <paramref name="heads"/> (how many dataflows,
    /// which configuration) and at most <paramref name="length"/> actions (Kind in 0..<paramref name="lastKind"/>,
    /// Target in 0..<paramref name="lastTarget"/>, Value in 0..99) for the property to interpret.
    /// </summary>
    public static Arbitrary<(int Head, (int Kind, int Target, int Value)[] Actions)> ActionPrograms(
        (int Low, int High) heads, int lastKind, int lastTarget, int length)
    {
        var action = Gen.Zip(Gen.Choose(0, lastKind), Gen.Zip(Gen.Choose(0, lastTarget), Gen.Choose(0, 99)))
            .Select(t => (t.Item1, t.Item2.Item1, t.Item2.Item2));
        return Gen.Zip(Gen.Choose(heads.Low, heads.High), action.ArrayOf())
            .Select(t => (t.Item1, t.Item2.Take(length).ToArray()))
            .ToArbitrary();
    }

    public static Gen<List<T>> ListOf<T>(Gen<T> element) => element.ListOf().Select(xs => new List<T>(xs));

    public static Gen<T[]> ArrayOf<T>(Gen<T> element) => element.ArrayOf();

    /// <summary>Arbitrary bytes, up to 256 long, for decoding garbage.</summary>
    public static Gen<byte[]> Garbage { get; } =
        Gen.Choose(0, 256).SelectMany(n => ArbMap.Default.GeneratorFor<byte>().ArrayOf(n));
}
