namespace DeepSeekWatch.Detection.Classification;

public sealed partial class ClassifierOptions
{
    public const string MagnificentSeven = "magnificent-seven";
    public const string Semiconductors = "semiconductors";

    private static readonly string[] Both = [Semiconductors, MagnificentSeven];
    private static readonly string[] Chips = [Semiconductors];
    private static readonly string[] BigTech = [MagnificentSeven];
    private static readonly string[] None = [];

    /// <summary>
    /// A fresh copy of the built-in lexicon written out in the lists, with <see cref="UseBuiltInLexicon"/>
    /// off (so nothing is counted twice); safe to modify.
    /// </summary>
    public static ClassifierOptions Default => CreateDefault();

    private static ClassifierOptions CreateDefault() => new()
    {
        UseBuiltInLexicon = false,
        Threshold = 1.0,
        ContextCap = 0.5,
        Terms =
        [
            // The DeepSeek shock and cheap/open models: news that questions the AI spending thesis.
            T("DeepSeek", 2.0, Both, null, "Deep Seek", "深度求索", "ディープシーク", "딥시크"),
            T("R1", 0.3, None, "deepseek-model", "R1-Zero"),
            T("V3", 0.3, None, "deepseek-model"),
            T("open-weight model", 1.0, Both, null, "open-weight model*", "open weights", "open-weights", "open-source model*",
                "open-source AI", "open-source LLM*", "open-source reasoning", "开源模型", "开源大模型", "Open-Source-Modell*"),
            T("reasoning model", 1.0, Both, null, "reasoning model*", "推理模型", "Reasoning-Modell*", "推論モデル"),
            T("model training cost", 1.2, Both, null, "training cost*", "cost to train", "cost of training", "cheaper to train",
                "low-cost AI", "low-cost model*", "cheap AI model*", "cheaper AI model*", "训练成本", "低成本模型"),
            T("Sputnik moment", 0.8, Both),
            T("Jevons paradox", 0.8, Both),
            T("AI race", 1.0, Both, null, "AI arms race", "AI dominance", "AI supremacy", "人工智能竞赛"),

            // Chips and compute.
            T("AI chips", 1.2, Both, null, "AI chip*", "AI semiconductor*", "AI accelerator*", "AI processor*", "AI GPU*",
                "KI-Chip*", "AI芯片", "人工智能芯片", "AI半導体", "AI向け半導体", "puce* d'IA", "puce* IA", "chips de IA"),
            T("GPU", 0.7, Both, null, "GPU*", "graphics processing unit*", "图形处理器"),
            T("GPU demand", 1.2, Both, null, "demand for GPUs", "GPU shortage*", "GPU spending", "GPU orders"),
            T("AI chip demand", 1.3, Both, null, "demand for AI chips", "AI chip demand", "AI chip sales", "AI chip orders"),
            T("export controls", 0.7, Both, null, "export control*", "export curb*", "export restriction*", "export ban*",
                "export licen*", "chip curbs", "chip restrictions", "chip ban", "curbs on chip*", "restrictions on chip*",
                "chip export*", "chip sales to China", "chips to China", "AI diffusion", "entity list", "出口管制", "出口限制", "輸出規制", "輸出管理",
                "Exportkontroll*", "Exportbeschränkung*", "Exportverbot*", "contrôles à l'exportation", "controles a la exportación"),
            T("H800", 1.0, Both, null, "H800s"),
            T("H20", 0.8, Both, null, "H20s"),
            T("H100", 1.0, Both, null, "H100s", "H200", "H200s", "A100", "A100s", "B200", "GB200"),
            T("Blackwell", 1.0, Both, null, "Blackwell*"),
            T("CUDA", 0.8, Chips),
            T("high-bandwidth memory", 1.0, Chips, null, "high bandwidth memory", "HBM", "HBM3", "HBM3E", "HBM4"),
            T("AI servers", 1.0, Both, null, "AI server*", "AI cluster*", "AI supercomputer*", "AI factory", "AI factories"),
            T("compute", 0.6, Both, null, "computing power", "算力"),
            T("Nvidia", 0.5, None, null, "英伟达", "輝達", "辉达", "エヌビディア", "엔비디아"),

            // AI spending.
            T("AI capex", 1.3, Both, null, "AI capital spending", "AI capital expenditure*", "AI spending", "AI investment*",
                "AI infrastructure", "AI build-out", "AI buildout", "spending on AI", "invest in AI", "investing in AI",
                "investment in AI", "build out AI", "AI-Investitionen", "KI-Investitionen", "KI-Ausgaben", "人工智能支出",
                "AI支出", "AI投資", "AI投资", "dépenses* en IA", "dépenses* dans l'IA", "inversión en IA", "gasto en IA"),
            T("data-center spending", 1.0, Both, null, "data center*", "data-centre*", "datacenter*", "datacentre*",
                "data centre*", "数据中心", "數據中心", "データセンター", "Rechenzentr*", "centre* de données",
                "centro* de datos", "데이터센터"),
            T("hyperscalers", 1.0, Both, null, "hyperscaler*"),
            T("Stargate", 1.5, Both, null, "星际之门"),
            T("CoreWeave", 1.0, Both),
            T("AI demand", 1.2, Both, null, "demand for AI", "AI-Nachfrage", "KI-Nachfrage", "AI需求", "人工智能需求",
                "AI需要", "demande en IA", "demanda de IA"),
            T("AI revenue", 1.2, Both, null, "AI sales", "AI-related revenue", "AI business", "AI growth", "AI momentum"),
            T("AI stocks", 1.2, Both, null, "AI stock*", "AI shares", "AI-linked", "AI-related stocks", "AI-exposed",
                "AI darling*", "AI winners", "AI names", "AI trade", "AI rally", "AI boom", "AI bubble", "AI hype",
                "AI frenzy", "AI euphoria", "AI selloff", "AI sell-off", "AI rout", "AI-Aktien", "KI-Aktien", "KI-Werte",
                "KI-Boom", "KI-Blase", "KI-Hype", "AI概念股", "人工智能概念股", "AI泡沫", "AI関連株", "AIバブル",
                "bulle de l'IA", "valeurs de l'IA", "burbuja de la IA", "burbuja de IA"),

            // Generic AI words: on their own they are chatter; they need market context (family cap).
            T("AI", 0.5, None, "generic-ai", "A.I.", "artificial intelligence", "KI", "künstliche Intelligenz", "IA",
                "intelligence artificielle", "inteligencia artificial", "人工智能", "人工知能", "生成AI", "生成式AI",
                "生成式人工智能", "인공지능", "Apple Intelligence", "Meta AI"),
            T("AI model", 0.6, None, "generic-ai", "AI model*", "language model*", "LLM*", "large language model*",
                "foundation model*", "frontier model*", "KI-Modell*", "modèle* d'IA", "modelo* de IA", "大模型", "大语言模型",
                "AIモデル"),
            T("generative AI", 0.6, None, "generic-ai", "GenAI", "gen AI", "generative artificial intelligence",
                "generative KI", "IA générative", "IA generativa"),
            T("chatbot", 0.5, None, "generic-ai", "chatbot*", "AI assistant*", "AI agent*", "agentic"),
            T("OpenAI", 0.6, None, "generic-ai", "ChatGPT", "GPT*", "Sam Altman"),
            T("Anthropic", 0.6, None, "generic-ai", "Claude"),
            T("xAI", 0.6, None, "generic-ai", "Grok"),
            T("Gemini", 0.6, None, "generic-ai", "DeepMind"),
            T("Copilot", 0.5, None, "generic-ai"),
            CaseSensitive(T("Llama", 0.5, None, "generic-ai")),
            T("Mistral", 0.5, None, "generic-ai", "Mistral AI"),
            T("Chinese AI labs", 0.6, None, "generic-ai", "Qwen", "Kimi", "Moonshot AI", "Zhipu", "MiniMax", "Baichuan",
                "通义千问", "文心一言", "豆包"),
        ],
        ContextTerms =
        [
            C("stocks", 0.5, None, "stock*", "shares", "share price*", "equities", "Aktie*", "Börse*", "股价", "股票",
                "美股", "股市", "株価", "株式", "株", "actions", "Bourse", "acciones", "bolsa*"),
            C("chip stocks", 0.5, Chips, "chip stock*", "chip shares", "chipmaker*", "chip maker*", "chip sector",
                "semiconductor stock*", "semiconductor shares", "Chipwerte", "Chip-Aktien", "Halbleiterwerte",
                "芯片股", "半导体股", "半導体株"),
            C("chips", 0.5, Chips, "chip*", "semiconductor*", "Halbleiter*", "芯片", "半导体", "半導体", "puce*"),
            C("big tech", 0.5, BigTech, "Big Tech", "megacap*", "mega-cap*", "Magnificent Seven", "Magnificent 7",
                "Mag 7", "Mag Seven", "tech giant*", "tech stocks", "tech shares", "Tech-Riesen", "Techwerte",
                "科技股", "科技巨头", "ハイテク株"),
            C("market reaction", 0.5, None, "investor*", "market value", "market cap*", "valuation*", "selloff", "sell-off",
                "rout", "plunge*", "plummet*", "slump*", "tumble*", "sink*", "slide*", "drop*", "fall*", "fell", "crash*",
                "rally", "rallies", "rebound*", "surge*", "soar*", "jump*", "Nasdaq", "Wall Street", "futures", "trillion",
                "billion", "Anleger", "bricht ein", "暴跌", "大跌", "下跌", "重挫", "急落", "急騰", "下落", "chute",
                "recule", "caída", "desplome"),
            C("earnings", 0.5, None, "earnings", "revenue*", "sales", "forecast*", "guidance", "outlook", "quarterly",
                "profit*", "margin*", "results", "estimates", "业绩", "決算", "Umsatz", "Prognose"),
            C("spending", 0.5, Both, "capex", "capital spending", "capital expenditure*", "spend*", "invest*",
                "infrastructure", "buildout", "build-out", "lease*", "gigawatt*", "megawatt*", "Investitionen", "投资", "投資"),
            C("model launch", 0.5, Both, "launch*", "release*", "unveil*", "debut*", "rival*", "outperform*", "beat*",
                "benchmark*", "on par", "cheaper", "cheap", "low-cost", "cost*", "price war", "compet*", "challenger*",
                "app store", "downloads", "发布", "推出", "発表", "lance", "lanza"),
            C("funding", 0.5, None, "funding", "raise*", "IPO", "deal*", "contract*", "partnership*", "stake", "order*",
                "backlog", "supply", "capacity", "shortage*", "cloud", "Azure", "AWS", "Google Cloud"),
        ],
        NegatingContexts =
        [
            N("Fed", -1.0, "Federal Reserve", "FOMC", "Powell", "rate cut*", "rate hike*", "interest rate*", "rate decision",
                "美联储", "加息", "降息", "利上げ", "利下げ", "FRB", "Zinsen", "Zinssenkung*", "taux d'intérêt", "tasas de interés"),
            N("macro data", -1.0, "inflation", "CPI", "PCE", "jobs report", "payroll*", "nonfarm", "unemployment", "jobless",
                "GDP", "recession", "Treasury yield*", "bond yield*", "yen carry", "carry trade", "oil price*", "crude",
                "通胀", "インフレ", "Inflation*", "Arbeitsmarkt", "ISM", "PMI", "manufacturing data", "economic data",
                "retail sales", "consumer confidence", "consumer spending", "growth scare", "growth fears", "Jackson Hole",
                "central bank*", "Bank of Japan", "BOJ", "ECB", "日銀", "regional bank*", "bank fears", "credit rating",
                "debt ceiling", "government shutdown", "stimulus"),
            N("corporate actions", -0.7, "stock split*", "dividend*", "buyback*", "share repurchase*", "trading plan",
                "insider*", "index inclusion", "joins the Dow", "Dow Jones Industrial Average"),
            N("tariffs", -1.0, "tariff*", "trade war*", "关税", "関税", "Zoll", "Zölle", "Zöllen", "droits de douane",
                "aranceles", "arancel"),
            N("non-AI", -1.0, "non-AI-related"),
            N("AI-generated content", -1.0, "AI-generated", "AI generated", "AI-written", "AI-made", "deepfake*",
                "AI art", "AI image*", "AI song*", "AI music", "AI slop"),
            N("legal", -0.7, "antitrust", "lawsuit*", "sued", "sues", "copyright*", "monopol*", "trial", "judge",
                "court", "fine*", "fined", "regulator*", "privacy"),
            N("AI in society", -0.7, "AI ethics", "AI safety", "students", "teachers", "school*", "doctors", "patients",
                "healthcare", "hospital*", "pope", "church", "religion", "consciousness", "existential", "extinction",
                "jobs apocalypse", "dating", "romance"),
        ],
        Symbols = new Dictionary<string, SymbolAliases>(StringComparer.Ordinal)
        {
            ["NVDA"] = S(["Nvidia", "NVDA", "英伟达", "輝達", "辉达", "エヌビディア", "엔비디아", "Jensen Huang", "黄仁勋"]),
            ["MSFT"] = S(["Microsoft", "MSFT", "Azure", "微软", "微軟", "マイクロソフト", "마이크로소프트", "Satya Nadella"]),
            ["GOOGL"] = S(["Google", "GOOGL", "GOOG", "DeepMind", "Waymo", "YouTube", "谷歌", "グーグル", "구글",
                "Sundar Pichai", "Google Cloud"], ["Alphabet", "ALPHABET"], ["alphabet soup"]),
            ["AMZN"] = S(["AMZN", "AWS", "Amazon Web Services", "亚马逊", "亞馬遜", "アマゾン", "아마존", "Andy Jassy"],
                ["Amazon", "AMAZON"], ["Amazon rainforest", "Amazon river", "Amazon basin", "Amazon jungle", "亚马逊雨林",
                "亚马逊河", "アマゾン川"]),
            ["META"] = S(["Meta Platforms", "Facebook", "Instagram", "WhatsApp", "Zuckerberg", "脸书", "臉書", "フェイスブック"],
                ["Meta", "META", "メタ"], ["meta-analysis", "meta analysis", "メタ分析"]),
            ["AAPL"] = S(["AAPL", "iPhone*", "Tim Cook", "苹果公司", "蘋果公司", "アップル", "애플"],
                ["Apple", "APPLE", "苹果"], ["apple juice", "apple pie", "apple cider", "apple orchard*", "Big Apple"]),
            ["TSLA"] = S(["Tesla", "TSLA", "特斯拉", "テスラ", "테슬라"]),
            ["AVGO"] = S(["Broadcom", "AVGO", "博通", "ブロードコム", "Hock Tan"]),
            ["AMD"] = S(["Advanced Micro Devices", "AMD", "超威", "Lisa Su"]),
            // Unspaced scripts match inside words: 高通胀 is "high inflation", not Qualcomm.
            ["QCOM"] = S(["Qualcomm", "QCOM", "高通", "クアルコム", "퀄컴"], null, ["高通胀", "高通货膨胀"]),
            ["ASML"] = S(["ASML", "阿斯麦", "阿斯麥"]),
            ["TSM"] = S(["TSMC", "TSM", "Taiwan Semiconductor", "台积电", "台積電", "台湾積体電路"]),
            ["MU"] = S(["Micron", "美光", "マイクロン"], ["MU"]),
            ["INTC"] = S(["INTC", "英特尔", "英特爾", "インテル", "인텔"], ["Intel", "INTEL"]),
            ["ARM"] = S(["Arm Holdings", "Arm Ltd", "ARM Holdings"], ["Arm", "ARM"], ["arm wrestling", "Arm in arm"]),
        },
    };

    private static LexiconTerm T(string term, double weight, string[] groups, string? family = null, params string[] variants) =>
        new() { Term = term, Weight = weight, Groups = [.. groups], Family = family, Variants = [.. variants] };

    private static LexiconTerm CaseSensitive(LexiconTerm term)
    {
        term.CaseSensitive = true;
        return term;
    }

    private static LexiconTerm C(string term, double weight, string[] groups, params string[] variants) =>
        new() { Term = term, Weight = weight, Groups = [.. groups], Variants = [.. variants] };

    private static LexiconTerm N(string term, double weight, params string[] variants) =>
        new() { Term = term, Weight = weight, Variants = [.. variants] };

    private static SymbolAliases S(string[] aliases, string[]? caseSensitive = null, string[]? exclusions = null) =>
        new() { Aliases = [.. aliases], CaseSensitiveAliases = [.. caseSensitive ?? []], Exclusions = [.. exclusions ?? []] };
}
