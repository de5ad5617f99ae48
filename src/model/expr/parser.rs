//! Tokens to a syntax tree: precedence climbing with a nesting limit.

use super::lexer::{SyntaxError, Token, lex};
use super::{BinaryOp, Expr, RESERVED, TernaryOp, UnaryOp};

/// Parses an expression. Names are not resolved here; functions and their
/// arity are checked, and so is the depth of the tree (`MAX_DEPTH`).
pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let tokens = lex(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        nesting: 0,
        brackets: 0,
    };
    let (e, _) = p.or_expr()?;
    match p.peek() {
        Token::End => Ok(e),
        t => Err(p.error(format!("unexpected {t}"))),
    }
}

/// An expression and its depth: the number of operators and functions on
/// the longest path from its root to a leaf (a number or a name is 0 deep,
/// `x + x + x` is 2).
type Parsed = (Expr, usize);

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    /// How many of the parser's own recursive levels (parentheses, signs,
    /// `not`, function calls, exponents) enclose the current token.
    nesting: usize,
    /// How many parentheses and function calls enclose the current token.
    brackets: usize,
}

/// The deepest expression accepted, counted two ways, each bounded by it:
/// the depth of the tree (a flat chain `x + x + ... + x` of n terms builds
/// a tree n - 1 levels deep, one per operator, as do `and`, `or`, `*`,
/// `min(...)`'s arguments and the rest; each sign, `not`, function and `^`
/// adds a level), and how deeply parentheses, signs, `not`, function
/// calls and exponents enclose one another (the parser's own recursion).
/// Every later pass over a tree recurses once per level (names, the
/// checks of conditions, `Display`, compilation, `eval`, `Clone`, `Drop`),
/// so this bounds the stack they use.
///
/// Measured with `model::stack_tests::stack_use_per_level` (the smallest
/// thread stack on which parsing, validation, compilation, a block's
/// evaluation, `Expr::eval`, `check`'s listing, `Clone`, `Debug` and `Drop`
/// all succeed, by depth): a level of tree takes about 290 bytes of stack
/// in a release build (300 for signs and `^`) and about 580 in a debug
/// build (1,300 for `^`, whose parsing recurses), so 256 levels fit in
/// 90 KB (release) or 300 to 470 KB (debug), all passes included: 4%, or at
/// most 23%, of the 2 MiB stack of tokio's blocking threads, rayon's
/// workers and the test harness's threads. (Compiling and `Expr::eval`
/// apply their operators out of line to keep it so: inlined, a debug
/// build took 4 KB a level.) Real models stay far below: a 256-term sum
/// is better split into named `[derived]` entries anyway.
pub const MAX_DEPTH: usize = 256;

/// How deeply parentheses and function calls may nest. Each costs the
/// parser a frame per level of precedence (eight): about 2.2 KB of stack
/// in a release build and 9.4 KB in a debug build, so 64 fit in 150 KB
/// (release) or 616 KB (debug): 7%, or 30%, of a 2 MiB stack, the most
/// any expression the two limits allow takes. Hand-written models nest a
/// few levels; a generated one can name its parts instead.
pub const MAX_BRACKETS: usize = 64;

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].0
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.pos].0.clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn error(&self, message: String) -> SyntaxError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, token: usize, message: String) -> SyntaxError {
        SyntaxError {
            column: self.tokens[token].1,
            message,
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Token::Ident(w) if w == word)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Token::Op(o) if *o == op)
    }

    /// One more parenthesis or function call (and level of recursion):
    /// each costs eight of the parser's frames (a level of precedence
    /// each), so they have a limit of their own, `MAX_BRACKETS`.
    fn enter_bracket(&mut self) -> Result<(), SyntaxError> {
        self.brackets += 1;
        if self.brackets > MAX_BRACKETS {
            return Err(self.error(format!(
                "parentheses and function calls nested more than {MAX_BRACKETS} deep: split \
                 the expression into named [derived] entries"
            )));
        }
        self.enter()
    }

    fn leave_bracket(&mut self) {
        self.brackets -= 1;
        self.nesting -= 1;
    }

    /// One more level of the parser's recursion: entered before it
    /// recurses (at a parenthesis, a sign, `not`, a function call, `^`),
    /// so that the recursion stops at the limit, where the depth of the
    /// tree is only known as it unwinds.
    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            Err(self.error(too_deep()))
        } else {
            Ok(())
        }
    }

    /// A node `depth` levels deep built at token `at` (its operator or
    /// function name), or the error that it is too deep.
    fn node(&self, at: usize, depth: usize) -> Result<usize, SyntaxError> {
        if depth > MAX_DEPTH {
            Err(self.error_at(at, too_deep()))
        } else {
            Ok(depth)
        }
    }

    /// A binary node over `lhs` and `rhs`, built at token `at`.
    fn binary(
        &self,
        at: usize,
        op: BinaryOp,
        lhs: Parsed,
        rhs: Parsed,
    ) -> Result<Parsed, SyntaxError> {
        let depth = self.node(at, lhs.1.max(rhs.1) + 1)?;
        Ok((Expr::Binary(op, Box::new(lhs.0), Box::new(rhs.0)), depth))
    }

    fn or_expr(&mut self) -> Result<Parsed, SyntaxError> {
        let mut e = self.and_expr()?;
        while self.is_word("or") {
            let at = self.pos;
            self.next();
            let rhs = self.and_expr()?;
            e = self.binary(at, BinaryOp::Or, e, rhs)?;
        }
        Ok(e)
    }

    fn and_expr(&mut self) -> Result<Parsed, SyntaxError> {
        let mut e = self.comparison()?;
        while self.is_word("and") {
            let at = self.pos;
            self.next();
            let rhs = self.comparison()?;
            e = self.binary(at, BinaryOp::And, e, rhs)?;
        }
        Ok(e)
    }

    fn comparison(&mut self) -> Result<Parsed, SyntaxError> {
        let e = self.additive()?;
        let op = match self.peek() {
            Token::Op("<") => BinaryOp::Lt,
            Token::Op("<=") => BinaryOp::Le,
            Token::Op(">") => BinaryOp::Gt,
            Token::Op(">=") => BinaryOp::Ge,
            Token::Op("==") => BinaryOp::Eq,
            Token::Op("!=") => BinaryOp::Ne,
            _ => return Ok(e),
        };
        let at = self.pos;
        self.next();
        let rhs = self.additive()?;
        if matches!(
            self.peek(),
            Token::Op("<" | "<=" | ">" | ">=" | "==" | "!=")
        ) {
            return Err(
                self.error("comparisons cannot be chained; write 'a < b and b < c'".to_string())
            );
        }
        self.binary(at, op, e, rhs)
    }

    fn additive(&mut self) -> Result<Parsed, SyntaxError> {
        let mut e = self.multiplicative()?;
        loop {
            let op = if self.is_op("+") {
                BinaryOp::Add
            } else if self.is_op("-") {
                BinaryOp::Sub
            } else {
                return Ok(e);
            };
            let at = self.pos;
            self.next();
            let rhs = self.multiplicative()?;
            e = self.binary(at, op, e, rhs)?;
        }
    }

    fn multiplicative(&mut self) -> Result<Parsed, SyntaxError> {
        let mut e = self.unary()?;
        loop {
            let op = if self.is_op("*") {
                BinaryOp::Mul
            } else if self.is_op("/") {
                BinaryOp::Div
            } else {
                return Ok(e);
            };
            let at = self.pos;
            self.next();
            let rhs = self.unary()?;
            e = self.binary(at, op, e, rhs)?;
        }
    }

    fn unary(&mut self) -> Result<Parsed, SyntaxError> {
        let at = self.pos;
        let op = if self.is_op("-") {
            UnaryOp::Neg
        } else if self.is_word("not") {
            UnaryOp::Not
        } else if self.is_op("+") {
            return Err(self.error("unary '+' is not part of the language".to_string()));
        } else {
            return self.power();
        };
        self.enter()?;
        self.next();
        let (a, depth) = self.unary()?;
        self.nesting -= 1;
        Ok((Expr::Unary(op, Box::new(a)), self.node(at, depth + 1)?))
    }

    /// `^` binds tighter than unary minus and is right-associative; its
    /// exponent may carry a sign (`2^-1`).
    fn power(&mut self) -> Result<Parsed, SyntaxError> {
        let base = self.primary()?;
        if self.is_op("^") {
            let at = self.pos;
            self.enter()?;
            self.next();
            let exponent = self.unary()?;
            self.nesting -= 1;
            return self.binary(at, BinaryOp::Pow, base, exponent);
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Parsed, SyntaxError> {
        let col_before = self.pos;
        match self.next() {
            Token::Num(v) => Ok((Expr::Num(v), 0)),
            Token::LParen => {
                self.pos = col_before;
                self.enter_bracket()?;
                self.next();
                let e = self.or_expr()?;
                self.leave_bracket();
                let at = self.pos;
                match self.next() {
                    Token::RParen => Ok(e),
                    t => {
                        self.pos = at;
                        Err(self.error(format!("expected ')', found {t}")))
                    }
                }
            }
            Token::Ident(name) => {
                if matches!(self.peek(), Token::LParen) {
                    self.pos = col_before;
                    self.enter_bracket()?;
                    self.pos = col_before + 1;
                    self.next();
                    let args = self.arguments()?;
                    self.leave_bracket();
                    self.pos = self.pos.max(col_before);
                    let (e, depth) = call(&name, args).map_err(|message| SyntaxError {
                        column: self.tokens[col_before].1,
                        message,
                    })?;
                    Ok((e, self.node(col_before, depth)?))
                } else {
                    match name.as_str() {
                        "pi" => Ok((Expr::Num(std::f64::consts::PI), 0)),
                        "e" => Ok((Expr::Num(std::f64::consts::E), 0)),
                        "and" | "or" | "not" => {
                            self.pos = col_before;
                            Err(self.error(format!("'{name}' needs an operand before it")))
                        }
                        _ if RESERVED.contains(&name.as_str()) => {
                            self.pos = col_before;
                            Err(self
                                .error(format!("function '{name}' needs arguments in parentheses")))
                        }
                        _ => Ok((Expr::Name(name), 0)),
                    }
                }
            }
            t => {
                self.pos = col_before;
                Err(self.error(format!("expected a number, name or '(', found {t}")))
            }
        }
    }

    fn arguments(&mut self) -> Result<Vec<Parsed>, SyntaxError> {
        let mut args = Vec::new();
        if matches!(self.peek(), Token::RParen) {
            self.next();
            return Ok(args);
        }
        loop {
            args.push(self.or_expr()?);
            let at = self.pos;
            match self.next() {
                Token::Comma => continue,
                Token::RParen => return Ok(args),
                t => {
                    self.pos = at;
                    return Err(self.error(format!("expected ',' or ')', found {t}")));
                }
            }
        }
    }
}

/// The message for an expression deeper than `MAX_DEPTH`.
fn too_deep() -> String {
    format!(
        "expression is nested more than {MAX_DEPTH} levels deep (each operator of a chain such \
         as 'a + b + c' counts one level, as do signs, 'not', '^' and function calls): split \
         it into named [derived] entries"
    )
}

/// Builds a function call, checking the function exists and its arity; its
/// depth is not checked here (`min` and `max` of many arguments excepted,
/// which build a chain as they go).
fn call(name: &str, mut args: Vec<Parsed>) -> Result<Parsed, String> {
    let unary = match name {
        "abs" => Some(UnaryOp::Abs),
        "sqrt" => Some(UnaryOp::Sqrt),
        "exp" => Some(UnaryOp::Exp),
        "ln" => Some(UnaryOp::Ln),
        "log10" => Some(UnaryOp::Log10),
        "sin" => Some(UnaryOp::Sin),
        "cos" => Some(UnaryOp::Cos),
        "floor" => Some(UnaryOp::Floor),
        "ceil" => Some(UnaryOp::Ceil),
        "logistic" => Some(UnaryOp::Logistic),
        _ => None,
    };
    let arity = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "function '{name}' takes {n} argument{}, got {}",
                if n == 1 { "" } else { "s" },
                args.len()
            ))
        }
    };
    if let Some(op) = unary {
        arity(1)?;
        let (a, depth) = args.remove(0);
        return Ok((Expr::Unary(op, Box::new(a)), depth + 1));
    }
    match name {
        "min" | "max" => {
            if args.is_empty() {
                return Err(format!(
                    "function '{name}' takes at least 1 argument, got 0"
                ));
            }
            let op = if name == "min" {
                BinaryOp::Min
            } else {
                BinaryOp::Max
            };
            let mut it = args.into_iter();
            let mut acc = it.next().expect("checked non-empty");
            for (a, depth) in it {
                let depth = acc.1.max(depth) + 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep());
                }
                acc = (Expr::Binary(op, Box::new(acc.0), Box::new(a)), depth);
            }
            Ok(acc)
        }
        "clamp" | "if" => {
            arity(3)?;
            let op = if name == "clamp" {
                TernaryOp::Clamp
            } else {
                TernaryOp::If
            };
            let c = args.pop().expect("arity 3");
            let b = args.pop().expect("arity 3");
            let a = args.pop().expect("arity 3");
            let depth = a.1.max(b.1).max(c.1) + 1;
            Ok((
                Expr::Ternary(op, Box::new(a.0), Box::new(b.0), Box::new(c.0)),
                depth,
            ))
        }
        _ => Err(format!(
            "unknown function '{name}' (known: min, max, abs, sqrt, exp, ln, log10, sin, cos, floor, ceil, clamp, logistic, if)"
        )),
    }
}
