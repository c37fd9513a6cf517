using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Timely.Bytes.Generator;

/// <summary>The codec to write for one type definition, and the closed types to register it for.</summary>
internal sealed class CodecPlan
{
    public CodecPlan(INamedTypeSymbol definition, string codecName)
    {
        Definition = definition;
        CodecName = codecName;
    }

    /// <summary>The type's definition (open, for a generic type).</summary>
    public INamedTypeSymbol Definition { get; }

    /// <summary>The generated class's name, unique in the generated file.</summary>
    public string CodecName { get; }

    /// <summary>The layout: fields in declaration order, a base class's first.</summary>
    public List<CodecMember> Members { get; } = [];

    /// <summary>Parameters of the constructor the reader calls, as member names, in order.</summary>
    public List<CodecMember> ConstructorArguments { get; } = [];

    /// <summary>Closed types to register the codec for (for a non-generic type, the type itself).</summary>
    public List<INamedTypeSymbol> Registrations { get; } = [];

    /// <summary>False when a diagnostic stopped it: nothing is emitted.</summary>
    public bool IsValid { get; set; } = true;
}
