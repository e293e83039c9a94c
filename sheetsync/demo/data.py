"""Names and free-text answers for the demo network (sheetsync.demo), by language community."""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Community:
    first: tuple[str, ...]  # commonest first
    last: tuple[str, ...]
    languages: tuple[str, ...]  # the "Languages you speak" answers people of it give
    language_weights: tuple[int, ...]
    details: tuple[str, ...]  # "Tell us more" written in the community's language
    # How much commoner the first names of a list are; a few surnames dominate Vietnamese.
    first_skew: float = 0.5
    last_skew: float = 0.4


COMMUNITIES = (
    Community(
        first=_words(
            "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
            "Barbara Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Nancy "
            "Matthew Margaret Anthony Ashley Mark Emily Steven Michelle Kevin Amanda Brian "
            "Deborah Jason Rebecca Eric Laura Jonathan Angela Samuel Katherine Gregory Rachel "
            "Patrick Hannah Peter Julie Kyle Grace Ethan Olivia Noah Emma Darnell Keisha Tyrone "
            "Latoya Jamal Imani DeShawn Aaliyah Malik Tanisha Andre Jasmine Terrell Shanice "
            "Dorothy Walter Ruth Harold Evelyn Frank Doris Eugene Zoë Chloé"
        ),
        last=_words(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
            "Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen "
            "King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner "
            "Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers "
            "Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood "
            "Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long Foster Powell "
            "Jenkins Russo O'Brien Kowalski Schmidt Rossi Sullivan Washington Jefferson"
        ),
        languages=(
            "English",
            "English, Spanish",
            "English, Chinese",
            "English, Arabic",
            "English, Haitian Creole",
        ),
        language_weights=(85, 8, 2, 2, 3),
        details=(),
    ),
    Community(
        first=_words(
            "María José Juan Carlos Luis Ana Rosa Jorge Carmen Miguel Guadalupe Francisco Jesús "
            "Alejandro Lucía Sofía Javier Pedro Elena Isabel Ramón Andrés Gabriela Fernanda "
            "Alejandra Diego Antonio Manuel Verónica Ricardo Marisol Yesenia Esperanza Ignacio "
            "Rosario Daniela Valeria Mateo Santiago Camila Ximena Óscar Raúl Inés Marta Beatriz "
            "Héctor Julio Teresa"
        ),
        last=_words(
            "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres "
            "Flores Rivera Gómez Díaz Cruz Morales Reyes Gutiérrez Ortiz Chávez Ramos Ruiz "
            "Mendoza Castillo Jiménez Vargas Romero Herrera Medina Aguilar Castro Vásquez Núñez "
            "Rojas Delgado Guerrero Soto Peña Santos Cabrera"
        ),
        languages=("Spanish", "English, Spanish"),
        language_weights=(45, 55),
        details=("Necesito ayuda esta semana, gracias", "Vivo sola y no puedo salir"),
    ),
    Community(
        first=_words(
            "Wei Jing Min Hui Ying Jun Yan Lei Xiu Ming Hong Fang Qiang Mei Ling Xin Yi Hao Jie "
            "Lan Ping Tao Kai Xiaoming Yuxuan Zihan Shu Wing Kwok"
        ),
        last=_words(
            "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin He Gao Luo "
            "Zheng Liang Wong Chan Lam Cheung Ng"
        ),
        languages=("Chinese", "English, Chinese"),
        language_weights=(50, 50),
        details=("这周需要帮忙，谢谢",),
        last_skew=0.8,
    ),
    Community(
        first=_words(
            "Anh Linh Minh Hung Tuan Lan Huong Thanh Trang Mai Duc Phuong Long Hoa Thu Quang "
            "Hieu Ngoc Dung Khanh Nam Bao Vy Tam Hai Thảo Hương Đức"
        ),
        last=_words("Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly"),
        languages=("Vietnamese", "English, Vietnamese", "English, Chinese, Vietnamese"),
        language_weights=(45, 50, 5),
        details=("Tuần này tôi cần giúp đỡ, cảm ơn",),
        last_skew=1.3,  # Nguyen is about 4 in 10
    ),
    Community(
        first=_words(
            "Mohammed Ahmed Fatima Omar Ali Aisha Yusuf Mariam Hassan Layla Khalid Nour Ibrahim "
            "Amina Mustafa Zainab Samir Rania Tariq Huda Karim Salma Youssef Hana Bilal Yasmin "
            "Abdullah Leila Nabil Dina Walid Rana Jamal Mona Sami"
        ),
        last=_words(
            "Haddad Khoury Hassan Ali Ahmed Mansour Saleh Nasser Ibrahim Farouk Khalil Aziz "
            "Hamdan Darwish Qureshi Al-Sayed Al-Masri Abdallah Rahman Hussein Mahmoud Saad Awad "
            "Sabbagh Najjar"
        ),
        languages=("Arabic", "English, Arabic"),
        language_weights=(40, 60),
        details=("أحتاج إلى مساعدة هذا الأسبوع، شكراً",),
    ),
    Community(
        first=_words(
            "Marie Jean Pierre Rose Jacques Nadège Widlene Fritznel Guerline Wilner Mirlande "
            "Jean-Claude Roseline Dieudonné Esther Ketly Emmanuel Fabienne Ricardo Jeanne Yves "
            "Lourdes Ronald Nadine Jocelyne Frantz Magalie Wisly Marjorie Stanley Claudette "
            "Rodney Sherline Jean-Pierre Darline"
        ),
        last=_words(
            "Jean-Baptiste Pierre Joseph Louis Charles Jean Baptiste Celestin Michel Paul Dorvil "
            "Alexis Toussaint Etienne Desir Augustin Francois Laguerre Saint-Fleur Noel "
            "Dorsainvil Metellus Beauvais Fils-Aime Cadet Lafleur"
        ),
        languages=("Haitian Creole", "English, Haitian Creole", "English, Spanish, Haitian Creole"),
        language_weights=(40, 45, 15),
        details=("Mwen bezwen èd semèn sa a, mèsi",),
    ),
)
COMMUNITY_WEIGHTS = (55, 20, 8, 6, 6, 5)  # English, Spanish, Chinese, Vietnamese, Arabic, Kreyòl
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "Richard": "Rick",
    "James": "Jim",
    "Katherine": "Kate",
    "Michael": "Mike",
    "Jennifer": "Jen",
    "Patricia": "Pat",
    "Thomas": "Tom",
    "Christopher": "Chris",
    "Joseph": "Joe",
    "Daniel": "Dan",
    "Deborah": "Debbie",
    "Samuel": "Sam",
    "Rebecca": "Becky",
    "José": "Pepe",
    "Francisco": "Paco",
    "Guadalupe": "Lupe",
    "Alejandro": "Alex",
    "Jesús": "Chuy",
    "Ignacio": "Nacho",
    "Rosario": "Charo",
    "Mohammed": "Mo",
}

DETAILS = {
    "Groceries": (
        "Groceries for a family of four",
        "Need rice, milk and diapers",
        "Can't carry heavy bags since my surgery",
    ),
    "Meals": ("Hot meals for my father, he lives alone", "Meals for 2 this week, one vegetarian"),
    "Medicine pickup": (
        "Prescription ready at the pharmacy on Thursday",
        "Need my insulin picked up",
    ),
    "Childcare": (
        "Someone to watch my 2 kids Tuesday afternoon",
        "After-school pickup for my daughter",
    ),
    "Rides": ("Ride to a clinic appointment on Friday at 10", "Ride to the food pantry"),
    "Translation": ("Help with a letter from the landlord", "Interpreter for a school meeting"),
    "Emotional support": (
        "Just someone to talk to, it's been a hard month",
        "A weekly phone call would help",
    ),
    "Tech help": ("Setting up video calls with my doctor", "My phone won't get email"),
    "Benefits help": ("Help applying for SNAP", "Renewing Medicaid paperwork"),
    "Financial support": ("Behind on rent this month", "Need help with the electric bill"),
    "Other": ("Moving a couch to the curb", "Fixing a broken window latch"),
}
OFFERS_NOTES = (
    "I can cook for a neighbour",
    "Spanish translation",
    "I can make phone calls to check on people",
    "I can sew and mend clothes",
    "I can watch kids on Saturdays",
    "Haitian Creole translation",
    "I can show someone how to use a smartphone",
    "Extra vegetables from my garden",
)
VOLUNTEER_NOTES = (
    "Can't lift heavy things",
    "Only near my neighbourhood please",
    "I have a car seat",
    "Text first, I work nights",
    "Fluent in ASL",
    "I can do a weekly call with someone",
    "Away the last week of the month",
)
CHECKIN_NOTES = (
    "Away next weekend",
    "Can take one more grocery run",
    "Back to driving, knee is better",
    "Busy with exams this week",
    "Car is in the shop",
    "Need a break for a couple of weeks",
)
